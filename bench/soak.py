"""Soak: a steady stream of pushes with the whole pipeline live, minute by minute.

10,000 pushes at 20 a second (about 8 minutes) from 500 customers, routed to 10 available
agents with room for everyone, on devhost with its own Azurite and the WeChat API simulator.
Each minute it prints:
  ack p50/p95     the callback's answer time for that minute's pushes;
  agent p50/p95   for a sampled new customer each second (routed by a rule to one watching
                  agent): the push's acknowledgement → listed in that agent's
                  GET /api/agent/conversations (polled every 200 ms; the bench closes each
                  sampled conversation once seen, so the list stays short);
  host RSS        the devhost process's resident memory (/proc/<pid>/status).
The figures that matter are the first minute against the last: flat memory, stable p95s.

Reproduce (not in CI; about 9 minutes):
  make soak            # or: .venv/bin/python bench/soak.py [--pushes 10000] [--rate 20]
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.local_stack import start_local_stack
from bench.stats import percentile
from tools.desk import Desk
from tools.wechat_simulator import WeChatCustomer

CUSTOMERS = 500
AGENTS = 10
SAMPLE = "SAMPLE"  # a sampled customer's first line carries it; a rule routes it to the watcher


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


class Watcher(threading.Thread):
    """Polls the watching agent's list; records when each sampled customer first shows, then
    closes that conversation."""

    def __init__(self, desk: Desk, token: str) -> None:
        super().__init__(daemon=True)
        self.client = desk.app.client(token)
        self.seen: dict[str, float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            items = self.client.get("/api/agent/conversations").json()["conversations"]
            now = time.monotonic()
            for item in items:
                self.seen.setdefault(item["openId"], now)
                self.client.post(f"/api/agent/conversations/{item['id']}/close")
            time.sleep(0.2)
        self.client.close()


def soak(desk: Desk, pushes: int, rate: float, pid: int) -> None:
    watcher_agent = desk.agent("Watcher", capacity=1000, queue=desk.other_queue_id)
    for number in range(AGENTS):
        desk.agent(f"Agent {number}", capacity=CUSTOMERS // AGENTS + 5)
    regulars = [desk.customer() for _ in range(CUSTOMERS)]
    watcher = Watcher(desk, watcher_agent.token)
    watcher.start()

    acks: dict[int, list[float]] = defaultdict(list)
    sampled: dict[int, list[tuple[str, float]]] = defaultdict(list)
    memory: dict[int, float] = {}
    lock = threading.Lock()
    start = time.monotonic()

    def one(number: int) -> None:
        minute = int((time.monotonic() - start) // 60)
        if number % int(rate) == 0:  # one sampled new customer a second
            customer = WeChatCustomer(desk.account)
            text = f"{SAMPLE} {number}"
        else:
            customer = regulars[number % CUSTOMERS]
            text = f"第 {number} 条消息"
        sent = time.monotonic()
        acknowledged = desk.write(customer, text)
        with lock:
            acks[minute].append(acknowledged - sent)
            if text.startswith(SAMPLE):
                sampled[minute].append((customer.open_id, acknowledged))

    with ThreadPoolExecutor(max_workers=8) as pool:
        for number in range(pushes):
            due = start + number / rate
            time.sleep(max(0.0, due - time.monotonic()))
            pool.submit(one, number)
            minute = int((time.monotonic() - start) // 60)
            if minute not in memory:
                memory[minute] = rss_mib(pid)
    time.sleep(10)  # the last samples reach the watcher
    watcher.stop.set()
    watcher.join(5)

    print(f"{pushes} pushes at {rate:g}/s, {CUSTOMERS} customers, {AGENTS} agents")
    print("minute  pushes  ack p50  ack p95   agent p50  agent p95  missed  host RSS")
    for minute in sorted(acks):
        ack = acks[minute]
        waits = [
            watcher.seen[open_id] - at for open_id, at in sampled[minute] if open_id in watcher.seen
        ]
        missed = len(sampled[minute]) - len(waits)
        agent = (
            f"{percentile(waits, 50) * 1000:7.0f} ms {percentile(waits, 95) * 1000:7.0f} ms"
            if waits
            else "      –          –   "
        )
        print(
            f"{minute:6d}  {len(ack):6d}  {percentile(ack, 50) * 1000:5.0f} ms"
            f"  {percentile(ack, 95) * 1000:5.0f} ms   {agent}  {missed:6d}"
            f"  {memory.get(minute, float('nan')):6.0f} MiB"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pushes", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=20.0, help="pushes a second")
    args = parser.parse_args()
    with ExitStack() as stack:
        local = start_local_stack(stack)
        app, wechat_api, admin = local.app, local.wechat_api, local.admin
        desk = Desk.open(app, wechat_api, admin)
        rule = {
            "name": "sampled",
            "queueId": desk.other_queue_id,
            "condition": {"field": "message.text", "op": "contains", "value": SAMPLE},
        }
        path = f"/api/admin/workstreams/{desk.workstream_id}"
        admin.patch(path, json={"routingRules": [rule]}).raise_for_status()
        assert app.process is not None
        soak(desk, args.pushes, args.rate, app.process.pid)


if __name__ == "__main__":
    main()
