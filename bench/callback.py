"""Callback acknowledgement latency against the storage floor, measured side by side.

  ack:   N signed safe-mode pushes POSTed to /api/wechat/{id} at concurrency C; the time from
         sending the request to reading "success" (verify, decrypt, parse, dedupe-insert,
         enqueue, answer).
  floor: at the same concurrency, the storage work alone, done directly with the SDK: the
         callback's one Table transaction (the push row and its signed nonce's row, both
         conditional) plus one queue put per operation.
  insert: the same with a single conditional insert instead of the transaction: the storage
         work before the replay guard, to show what remembering the nonce costs.
All three run against the same Azurite in the same run; the figure that matters is
ack p50 / floor p50 (how much the app adds on top of the storage calls it cannot avoid).
Azurite runs a transaction several times slower than a single insert; Azure Table storage
takes either in one round trip.

Reproduce (self-contained: starts Azurite and the app under devhost on free ports):
  make setup && .venv/bin/python bench/callback.py [--messages 2000] [--concurrency 8]
  [--pipeline disabled|live|"live, split"]  (one app only; repeatable)
Against an app you started yourself (make run), with its storage:
  .venv/bin/python bench/callback.py --url http://127.0.0.1:7071 --admin-token ... \\
      --storage "UseDevelopmentStorage=true"
The self-contained run measures three times against the same Azurite, each with a fresh app:
  pipeline disabled: the app's conversation step is off, so that both sides see the same,
         otherwise idle, Azurite and the app does nothing but answer pushes;
  pipeline live:     the queue steps file each push while the next ones arrive, in devhost's
         one process (the floor then shares Azurite with them too);
  pipeline live, split: the same with the queue steps in a second process (devhost --split),
         as Flex Consumption runs HTTP and queue functions on separate instances;
and prints ack p50 / floor p50 for each: the last two are what the app adds under load.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx
from azure.core.exceptions import ResourceNotFoundError

from bench.stats import percentile
from devhost.azurite import Azurite
from shared.store import StorageClients
from shared.store.names import WORK_QUEUES
from tools.local_app import LocalApp, app_settings, storage_clients
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer

PIPELINE_MODES = {
    "disabled": (["inbound"], False),
    "live": ([], False),
    "live, split": ([], True),
}
"""The self-contained run's apps: the functions each one disables, and whether devhost runs
the queue steps in a process of their own (``--split``)."""
TEXT = "你好，请问我的订单什么时候发货？Order #12345 😀"


def run_concurrently(
    operations: list[Callable[[], None]], concurrency: int
) -> tuple[list[float], float]:
    """Run every operation on ``concurrency`` threads → (latencies in ms, wall seconds)."""
    latencies: list[float] = []
    lock = threading.Lock()

    def timed(operation: Callable[[], None]) -> None:
        start = time.perf_counter()
        operation()
        elapsed = (time.perf_counter() - start) * 1000
        with lock:
            latencies.append(elapsed)

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        for future in [pool.submit(timed, op) for op in operations]:
            future.result()
    return latencies, time.perf_counter() - start


WECHAT_TRIES = 3  # WeChat's retries of a push it got no "success" for
refusals = [0]
"""5xx answers seen (each one retried, as WeChat retries), over the whole run."""


def ack_operations(url: str, account_id: str, account: SimulatedAccount, count: int):
    customers = [WeChatCustomer(account) for _ in range(50)]
    pushes = [customers[i % 50].push(customers[i % 50].text(TEXT), "safe") for i in range(count)]
    local = threading.local()

    def client() -> httpx.Client:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=url, timeout=30)
        return local.client

    def post(query: dict[str, str], body: bytes) -> None:
        """One push as WeChat sends it: a 5xx (storage did not answer in time) is sent again,
        up to WECHAT_TRIES times; the latency counted is the whole, retries included."""
        for _ in range(WECHAT_TRIES):
            response = client().post(f"/api/wechat/{account_id}", params=query, content=body)
            if response.status_code < 500:
                break
            with lock:
                refusals[0] += 1
        if response.status_code != 200 or response.text != "success":
            raise SystemExit(f"the app refused a push: {response.status_code} {response.text}")

    lock = threading.Lock()
    return [lambda q=q, b=b: post(q, b) for q, b in pushes]


def floor_operations(storage: StorageClients, count: int, *, with_nonce: bool = True):
    suffix = uuid.uuid4().hex[:8]
    table_name, queue_name = f"benchfloor{suffix}", f"bench-floor-{suffix}"
    storage.ensure(tables=(table_name,), queues=(queue_name,))
    table, queue = storage.table(table_name), storage.queue(queue_name)
    xml = f"<xml><Content><![CDATA[{TEXT}]]></Content></xml>" * 3  # about a push's size

    def insert_and_put(i: int) -> None:
        push = {
            "PartitionKey": "bench",
            "RowKey": f"msg:{suffix}{i}",
            "Xml": xml,
            "ReceivedAt": datetime.now(timezone.utc),
        }
        if with_nonce:
            nonce = {"PartitionKey": "bench", "RowKey": f"nonce:{suffix}{i}", "Push": "h" * 64}
            table.submit_transaction([("create", nonce), ("create", push)])
        else:
            table.create_entity(push)
        queue.send_message(f'{{"accountId":"bench","key":"msg:{suffix}{i}"}}')

    return [lambda i=i: insert_and_put(i) for i in range(count)]


def report(name: str, latencies: list[float], seconds: float) -> None:
    print(
        f"  {name:6s} p50 {statistics.median(latencies):7.2f} ms   "
        f"p99 {percentile(latencies, 99):7.2f} ms   {len(latencies) / seconds:8.0f} /s"
    )


def measure(url: str, admin_token: str, storage: StorageClients, args: argparse.Namespace) -> float:
    """Print the sides' latencies → ack p50 / floor p50."""
    account = SimulatedAccount.random()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {admin_token}"}) as admin:
        created = admin.post("/api/admin/accounts", json=account.registration(name="bench"))
        created.raise_for_status()
        account_id = created.json()["id"]

    # Warm up both paths (connections, caches, the account lookup).
    run_concurrently(ack_operations(url, account_id, account, 200), args.concurrency)
    run_concurrently(floor_operations(storage, 200), args.concurrency)
    run_concurrently(floor_operations(storage, 200, with_nonce=False), args.concurrency)

    per_round = args.messages // args.rounds
    sides: dict[str, Callable[[], list[Callable[[], None]]]] = {
        "ack": lambda: ack_operations(url, account_id, account, per_round),
        "floor": lambda: floor_operations(storage, per_round),
        "insert": lambda: floor_operations(storage, per_round, with_nonce=False),
    }
    latencies: dict[str, list[float]] = {name: [] for name in sides}
    seconds: dict[str, float] = dict.fromkeys(sides, 0.0)
    for _ in range(args.rounds):  # interleaved, so drift affects every side alike
        for name, operations in sides.items():
            measured, took = run_concurrently(operations(), args.concurrency)
            latencies[name] += measured
            seconds[name] += took

    print(
        f"callback ack vs storage floor: {len(latencies['ack'])} pushes each, "
        f"concurrency {args.concurrency}"
    )
    for name in sides:
        report(name, latencies[name], seconds[name])
    if refusals[0]:
        print(f"  pushes answered 5xx and sent again, as WeChat would: {refusals[0]}")
        refusals[0] = 0
    p50 = {name: statistics.median(values) for name, values in latencies.items()}
    print(f"  ratio ack p50 / floor p50 = {p50['ack'] / p50['floor']:.2f}")
    print(f"  ratio floor p50 / insert p50 = {p50['floor'] / p50['insert']:.2f} (the replay guard)")
    return p50["ack"] / p50["floor"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--pipeline",
        action="append",
        choices=list(PIPELINE_MODES),
        help="measure only this app (repeatable); default: all three, in order",
    )
    parser.add_argument("--url", help="a running app; default: start Azurite and devhost")
    parser.add_argument("--admin-token", help="with --url: its ADMIN_TOKEN")
    parser.add_argument("--storage", help="with --url: its AzureWebJobsStorage")
    args = parser.parse_args()

    with ExitStack() as stack:
        if args.url:
            if not (args.admin_token and args.storage):
                parser.error("--url needs --admin-token and --storage")
            measure(args.url, args.admin_token, storage_clients(args.storage), args)
            return
        work = Path(stack.enter_context(tempfile.TemporaryDirectory()))
        azurite = stack.enter_context(Azurite(work / "azurite", in_memory=True))
        # The SDKs' long retries: a reset from a saturated Azurite must not end the run.
        storage = storage_clients(azurite.connection_string, fail_fast=False)
        ratios: dict[str, float] = {}
        for mode in args.pipeline or PIPELINE_MODES:
            disabled, split = PIPELINE_MODES[mode]
            print(f"pipeline {mode}:")
            with LocalApp(
                app_settings(azurite.connection_string),
                log_dir=work / mode.replace(", ", "-"),
                disabled=disabled,
                split=split,
            ) as app:
                ratios[mode] = measure(app.url, app.admin_token, storage, args)
            # What one app left queued would otherwise be the next one's backlog.
            for name in WORK_QUEUES:
                with contextlib.suppress(ResourceNotFoundError):
                    storage.queue(name).clear_messages()
        print(
            "ack p50 / floor p50: "
            + ", ".join(f"pipeline {mode} {ratio:.2f}" for mode, ratio in ratios.items())
        )


if __name__ == "__main__":
    main()
