"""Agent reply → WeChat: latency from the agent's POST to the WeChat API receiving the
message, and token fetches per 1,000 sends.

Runs the app under devhost against its own Azurite and the WeChat API simulator (quota off,
and the app's WINDOW_MESSAGE_QUOTA raised, so the window does not stop the run). Agents post
replies to many conversations from several threads at once; the simulator time-stamps each
message it receives (same machine, same monotonic clock).

Reproduce:  make setup && .venv/bin/python bench/outbound.py [--sends 1000] [--conversations 20]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.stats import percentile
from devhost.azurite import Azurite
from tools.local_app import LocalApp, app_settings, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatApiSimulator, WeChatCustomer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=1000)
    parser.add_argument("--conversations", type=int, default=20)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory() as work,
        Azurite(Path(work) / "azurite", in_memory=True) as azurite,
        WeChatApiSimulator(quota=None) as wechat,
    ):
        settings = app_settings(
            azurite.connection_string,
            WECHAT_API_BASE_URL=wechat.url,
            WINDOW_MESSAGE_QUOTA=str(args.sends),
        )
        with LocalApp(settings, log_dir=Path(work) / "app") as app:
            run(app, wechat, args)


def run(app: LocalApp, wechat: WeChatApiSimulator, args: argparse.Namespace) -> None:
    account = SimulatedAccount.random()
    wechat.add_account(account.app_id, account.app_secret)
    with app.admin() as admin:
        account_id = admin.post(
            "/api/admin/accounts", json=account.registration(mode="safe")
        ).json()["id"]
        queue = admin.post("/api/admin/queues", json={"name": "bench"}).json()
        admin.post(
            "/api/admin/workstreams",
            json={"name": "bench", "accountId": account_id, "fallbackQueueId": queue["id"]},
        ).raise_for_status()
        agent = admin.post(
            "/api/admin/agents", json={"name": "bench", "queueIds": [queue["id"]], "capacity": 1000}
        ).json()
    with app.client(agent["token"]) as client:
        client.put("/api/agent/presence", json={"presence": "available"}).raise_for_status()
        customers = [WeChatCustomer(account) for _ in range(args.conversations)]
        for customer in customers:
            wechat.customer_wrote(account.app_id, customer.open_id)
            query, body = customer.push(customer.text("hi"), "safe")
            app.push(account_id, query, body).raise_for_status()
        conversations = wait_for(
            lambda: (lambda found: found if len(found) == len(customers) else None)(
                [c["id"] for c in client.get("/api/agent/conversations").json()["conversations"]]
            ),
            60,
            "every conversation to be assigned",
            interval=0.05,
        )

    posted: dict[str, float] = {}
    lock = threading.Lock()
    local = threading.local()

    def send(index: int) -> None:
        if not hasattr(local, "client"):
            local.client = app.client(agent["token"])
        text = f"reply {index}"
        start = time.monotonic()
        response = local.client.post(
            f"/api/agent/conversations/{conversations[index % len(conversations)]}/messages",
            json={"text": text},
        )
        if response.status_code != 202:
            raise SystemExit(f"send refused: {response.status_code} {response.text}")
        with lock:
            posted[text] = start

    wall = time.monotonic()
    with ThreadPoolExecutor(args.concurrency) as pool:
        list(pool.map(send, range(args.sends)))
    received = wait_for(
        lambda: (lambda got: got if len(got) >= args.sends else None)(
            [
                m
                for m in wechat.sent
                if m.body.get("text", {}).get("content", "").startswith("reply ")
            ]
        ),
        300,
        "WeChat to receive every reply",
        interval=0.05,
    )
    wall = time.monotonic() - wall
    latencies = [
        (m.received_monotonic - posted[m.body["text"]["content"]]) * 1000 for m in received
    ]
    print(
        f"agent send → WeChat API: {args.sends} replies to {args.conversations} conversations, "
        f"{args.concurrency} agent threads, devhost + Azurite + simulator"
    )
    p50, p95 = statistics.median(latencies), percentile(latencies, 95)
    print(f"  latency p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
    print(f"  throughput {args.sends / wall:6.1f} sends/s (POST to the last one received)")
    per_thousand = 1000 * wechat.token_fetches / args.sends
    print(f"  token fetches: {wechat.token_fetches} in all, {per_thousand:.1f} per 1,000 sends")


if __name__ == "__main__":
    main()
