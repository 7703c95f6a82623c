"""Pipeline latency under bursts: from a new customer's first push being acknowledged to the
conversation being listed in an agent's ``GET /api/agent/conversations``.

  sequential: N customers one at a time, each push at a random moment in an idle gap (the
              queues drain between them), as single customers arrive.
  burst B:    B new customers pushing at once (concurrent POSTs), as after a menu push or an
              article; for each B in --bursts.
Each phase gets a fresh account, queue and workstream (push distribution) and --agents agents,
available, whose capacity holds every customer of the phase, so the pipeline never waits for
room. One watcher thread per agent polls the agent's change feed every 100 ms and, when it
moved, refetches the agent's list, as the console does; a conversation's latency is the time
from its push's acknowledgement (``Desk.write``) to the first list that has it. A customer not
listed within --deadline seconds counts as unlisted (and is left out of the percentiles).
Failed invocations are counted from devhost's log of the phase: every invocation ends in one
line ``Executed 'Functions.<name>' (Succeeded|Failed, ...)``; messages moved to a poison queue
are counted too.

Printed: p50/p95 per phase, burst p95 / sequential p95, and failed invocations per function.
After each burst, its storage floor: the same number of pushes' storage requests (the mix
docs/scale.md counts) sent straight to the same Azurite, 16 at a time, with no app between;
burst p95 / floor says how much of a burst's time is the app's and how much Azurite's.
Everything runs on devhost (``--split`` unless --one-process: the queue steps in a process of
their own, as Flex Consumption runs them apart from HTTP) with its own Azurite and the WeChat
API simulator; on a shared machine the numbers move between runs, so compare phases of one run.

Reproduce (self-contained):
  make setup && .venv/bin/python bench/pipeline.py [--customers 20] [--bursts 20,100,500]
A quick run: .venv/bin/python bench/pipeline.py --customers 5 --gap 1 --bursts 20
"""

from __future__ import annotations

import argparse
import contextlib
import random
import re
import sys
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from azure.core.exceptions import ResourceNotFoundError

from bench.local_stack import start_local_stack
from bench.stats import percentile
from shared.store import StorageClients
from tools.desk import Desk, DeskAgent
from tools.local_app import LocalApp, storage_clients
from tools.wechat_simulator import WeChatApiSimulator, WeChatCustomer

POLL = 0.1  # seconds between a watcher's change-feed polls
EXECUTED = re.compile(r"Executed 'Functions\.(\w+)' \((Succeeded|Failed),")
POISONED = re.compile(r"[Mm]oving (?:message|it) to (?:queue )?'?([\w-]+)")


@dataclass
class Sample:
    latencies: list[float]
    """Seconds from each listed customer's acknowledgement to the first list with them."""
    unlisted: int
    """Customers not listed within the deadline."""
    list_errors: int
    """Agent polls that failed (timed out under load) and were retried."""


class Watcher(threading.Thread):
    """Polls one agent's change feed and, on a change, its list: the first ``monotonic()`` at
    which each open id was listed goes into ``seen``."""

    def __init__(self, desk: Desk, agent: DeskAgent, seen: dict[str, float], lock: threading.Lock):
        super().__init__(daemon=True, name=f"watch-{agent.name}")
        self.client = desk.app.client(agent.token)
        self.seen, self.lock = seen, lock
        self.cursor = self.client.get("/api/agent/changes").json()["cursor"]
        self.stopping = threading.Event()
        self.errors = 0

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                started = time.monotonic()
                try:
                    self.poll()
                except httpx.HTTPError:
                    self.errors += 1  # a slow answer under load: poll again
                self.stopping.wait(max(0.0, POLL - (time.monotonic() - started)))
        finally:
            self.client.close()

    def poll(self) -> None:
        answer = self.client.get("/api/agent/changes", params={"since": self.cursor})
        if answer.status_code == 200:
            self.cursor = answer.json()["cursor"]
            items = self.client.get("/api/agent/conversations").json()["conversations"]
            listed_at = time.monotonic()
            with self.lock:
                for item in items:
                    self.seen.setdefault(item["openId"], listed_at)


class HostLog:
    """devhost's stderr, read from where the last phase ended."""

    def __init__(self, app: LocalApp) -> None:
        self.path = app.stderr_file
        self.offset = 0

    def since_last(self) -> str:
        with self.path.open("rb") as file:
            file.seek(self.offset)
            text = file.read()
        self.offset += len(text)
        return text.decode("utf-8", errors="replace")


def outcomes(log: str) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """(succeeded, failed per function, moved to poison per queue) in ``log``."""
    succeeded: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    for name, outcome in EXECUTED.findall(log):
        (succeeded if outcome == "Succeeded" else failed)[name] += 1
    return succeeded, failed, Counter(POISONED.findall(log))


def open_desk(
    app: LocalApp, wechat_api: WeChatApiSimulator, admin: httpx.Client, agents: int, customers: int
) -> Desk:
    """A fresh account and queue with ``agents`` available agents who can hold ``customers``."""
    desk = Desk.open(app, wechat_api, admin)
    capacity = -(-customers // agents) + 1
    for number in range(agents):
        desk.agent(f"Agent {number + 1}", capacity=capacity)
    return desk


def phase(desk: Desk, customers: list[WeChatCustomer], write: object, deadline: float) -> Sample:
    """Run ``write()`` (which pushes every customer's first line and returns their ack times)
    while the agents are watched."""
    seen: dict[str, float] = {}
    lock = threading.Lock()
    watchers = [Watcher(desk, agent, seen, lock) for agent in desk.agents]
    for watcher in watchers:
        watcher.start()
    try:
        acked: dict[str, float] = write()  # type: ignore[operator]
        wanted = {c.open_id for c in customers}
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            with lock:
                if wanted <= seen.keys():
                    break
            time.sleep(POLL)
    finally:
        for watcher in watchers:
            watcher.stopping.set()
        for watcher in watchers:
            watcher.join(10)
    with lock:
        latencies = [seen[o] - acked[o] for o in acked if o in seen]
    return Sample(latencies, len(acked) - len(latencies), sum(w.errors for w in watchers))


def sequential(desk: Desk, count: int, gap: float, deadline: float) -> Sample:
    customers = [desk.customer() for _ in range(count)]
    total = Sample([], 0, 0)
    for number, customer in enumerate(customers):

        def write(customer: WeChatCustomer = customer, number: int = number) -> dict[str, float]:
            time.sleep(random.uniform(0, 1))  # not in step with the watchers' polls
            return {customer.open_id: desk.write(customer, f"第 {number} 位顾客：你好")}

        measured = phase(desk, [customer], write, deadline)
        total.latencies.extend(measured.latencies)
        total.unlisted += measured.unlisted
        total.list_errors += measured.list_errors
        time.sleep(gap)
    return total


def burst(desk: Desk, count: int, concurrency: int, deadline: float) -> Sample:
    customers = [desk.customer() for _ in range(count)]

    def write() -> dict[str, float]:
        with ThreadPoolExecutor(min(count, concurrency)) as pool:
            acks = pool.map(lambda c: desk.write(c, f"{c.open_id[-6:]}：你好，在吗？"), customers)
            return dict(zip((c.open_id for c in customers), acks, strict=True))

    return phase(desk, customers, write, deadline)


FLOOR_CONCURRENCY = 16  # one queue listener's batch: what the conversation step runs at once


def storage_floor(storage: StorageClients, pushes: int) -> float:
    """Seconds Azurite alone takes for ``pushes`` pushes' storage work, done straight with the
    SDK at FLOOR_CONCURRENCY: per push the mix docs/scale.md counts (≈ 28 requests: 9 reads
    and merges in one partition, 5 two-row transactions, 7 queue requests, 7 point reads and
    upserts elsewhere), with none of the app's work between them."""
    run = uuid.uuid4().hex[:8]
    storage.ensure(tables=("benchfloor",), queues=(f"benchfloor-{run}",))
    table, queue = storage.table("benchfloor"), storage.queue(f"benchfloor-{run}")

    def one_push(number: int) -> None:
        account, row = f"a{run}", f"c{number}"
        table.upsert_entity({"PartitionKey": account, "RowKey": row, "N": 0})
        for n in range(4):
            table.get_entity(account, row)
            table.upsert_entity({"PartitionKey": account, "RowKey": row, "N": n}, mode="merge")
        for n in range(5):
            table.submit_transaction(
                [("upsert", {"PartitionKey": f"b{number}", "RowKey": f"{n}{side}"})
                 for side in "ab"]
            )  # fmt: skip
        for _ in range(3):
            queue.send_message(row)
        for message in queue.receive_messages(messages_per_page=3, visibility_timeout=30):
            queue.delete_message(message)
        for n in range(7):
            entity = {"PartitionKey": f"o{number % 8}", "RowKey": f"{number}-{n}"}
            if n % 2:
                table.upsert_entity(entity)
            else:
                with contextlib.suppress(ResourceNotFoundError):
                    table.get_entity(entity["PartitionKey"], entity["RowKey"])

    started = time.monotonic()
    with ThreadPoolExecutor(FLOOR_CONCURRENCY) as pool:
        list(pool.map(one_push, range(pushes)))
    elapsed = time.monotonic() - started
    queue.delete_queue()
    return elapsed


def summary(name: str, sample: Sample, log: HostLog) -> float:
    """Print the phase's line and its invocations → its p95 in seconds."""
    latencies = sample.latencies
    succeeded, failed, poisoned = outcomes(log.since_last())
    steps = sum(count for name, count in succeeded.items() if name.endswith("_step"))
    p50 = percentile(latencies, 50) if latencies else float("nan")
    p95 = percentile(latencies, 95) if latencies else float("nan")
    print(
        f"  {name:<12} n={len(latencies):<4} p50 {p50 * 1000:7.0f} ms   p95 {p95 * 1000:7.0f} ms"
        f"   max {max(latencies, default=float('nan')) * 1000:7.0f} ms   unlisted {sample.unlisted}"
        + (f"   agent list errors {sample.list_errors}" if sample.list_errors else ""),
        flush=True,
    )
    print(
        f"  {'':<12} pipeline steps {steps} succeeded; invocations failed: "
        f"{sum(failed.values())}"
        + (f" ({', '.join(f'{n} {c}' for n, c in failed.most_common())})" if failed else "")
        + (f"; moved to poison: {dict(poisoned)}" if poisoned else ""),
        flush=True,
    )
    return p95


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=20, help="sequential customers")
    parser.add_argument("--gap", type=float, default=2.0, help="idle seconds between them")
    parser.add_argument("--bursts", default="20,100,500", help="burst sizes, comma-separated")
    parser.add_argument("--agents", type=int, default=2, help="available agents per phase")
    parser.add_argument(
        "--push-concurrency", type=int, default=50, help="concurrent POSTs in a burst"
    )
    parser.add_argument("--deadline", type=float, default=120.0, help="seconds to be listed")
    parser.add_argument(
        "--one-process",
        action="store_true",
        help="devhost without --split: HTTP and the queue steps share one interpreter",
    )
    args = parser.parse_args()
    bursts = [int(size) for size in args.bursts.split(",") if size.strip()]

    with ExitStack() as stack:
        local = start_local_stack(stack, split=not args.one_process)
        app, wechat_api, admin = local.app, local.wechat_api, local.admin
        storage = storage_clients(local.azurite.connection_string)
        log = HostLog(app)
        print(
            f"pipeline: push acknowledged → listed for an agent, {args.agents} agents per phase, "
            f"devhost {'in one process' if args.one_process else '--split'}",
            flush=True,
        )
        # Warm up (imports, connections, the queues' first polls), then forget its log.
        warm = open_desk(app, wechat_api, admin, 1, 2)
        burst(warm, 2, 2, args.deadline)
        log.since_last()

        desk = open_desk(app, wechat_api, admin, args.agents, args.customers)
        sample = sequential(desk, args.customers, args.gap, args.deadline)
        sequential_p95 = summary("sequential", sample, log)
        for size in bursts:
            time.sleep(args.gap)  # let the queues drain
            desk = open_desk(app, wechat_api, admin, args.agents, size)
            sample = burst(desk, size, args.push_concurrency, args.deadline)
            p95 = summary(f"burst {size}", sample, log)
            print(f"  {'':<12} burst p95 / sequential p95 = {p95 / sequential_p95:.2f}", flush=True)
            floor = storage_floor(storage, size)
            print(
                f"  {'':<12} storage floor: {size} pushes' requests straight to Azurite take "
                f"{floor:.1f} s; burst p95 / floor = {p95 / floor:.2f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
