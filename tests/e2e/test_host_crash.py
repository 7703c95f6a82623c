"""The host killed with SIGKILL while pushes are in flight and the pipeline is busy, then
started again on the same storage: every push WeChat saw acknowledged (and every one it
retried) ends in exactly one conversation line, no conversation is held by two agents, no
capacity leaks, and nothing is left in a poison queue."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from shared.store.names import WAITING_TABLE
from shared.store.waiting import WaitingLine
from tests.e2e.fault_checks import (
    FaultyApp,
    assert_holds_match,
    assert_no_poison,
    assert_one_line_per_customer,
    own_app,
    sweep_later,
)
from tools.desk import Desk
from tools.local_app import storage_clients, wait_for
from tools.wechat_simulator import WeChatCustomer

pytestmark = pytest.mark.timeout(300)

PUSHES = 200
KILL_AFTER = 80  # acknowledged pushes before the kill
HIDDEN_AFTER_CRASH = 20  # seconds; as long as the slowest step under this load, and more


@pytest.fixture
def crash_app(tmp_path: Path) -> Iterator[FaultyApp]:
    # HTTP and the pipeline in two processes, as on Flex Consumption: the kill takes both.
    with own_app(tmp_path, in_memory=True, hidden_seconds=HIDDEN_AFTER_CRASH, split=True) as app:
        yield app


def test_a_killed_host_loses_and_doubles_nothing(crash_app):
    app, wechat_api, azurite, admin = crash_app
    connection = azurite.connection_string
    desk = Desk.open(app, wechat_api, admin)
    agents = [desk.agent(f"Agent {n}", capacity=PUSHES) for n in range(4)]
    customers = [WeChatCustomer(desk.account) for _ in range(PUSHES)]
    texts = {c.open_id: f"crash test {n} 崩溃测试" for n, c in enumerate(customers)}
    requests = {}
    for customer in customers:
        wechat_api.customer_wrote(desk.account.app_id, customer.open_id)
        requests[customer.open_id] = customer.push(customer.text(texts[customer.open_id]), "safe")

    acknowledged: set[str] = set()
    lock = threading.Lock()
    killed = threading.Event()

    def deliver(open_id: str) -> None:
        query, body = requests[open_id]
        try:
            answer = httpx.post(
                f"{app.url}/api/wechat/{desk.account_id}", params=query, content=body, timeout=10
            )
        except httpx.HTTPError:
            return  # WeChat saw no answer: it retries (below)
        if answer.status_code == 200 and answer.text == "success":
            with lock:
                acknowledged.add(open_id)
                if len(acknowledged) >= KILL_AFTER and not killed.is_set():
                    killed.set()
                    assert app.process is not None
                    app.process.kill()  # SIGKILL: no shutdown of any kind

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(deliver, requests))
    assert killed.is_set(), "the host was never killed"
    app.process = None
    seen_before_restart = set(acknowledged)
    print(f"{len(seen_before_restart)} of {PUSHES} acknowledged before the kill")
    assert KILL_AFTER <= len(seen_before_restart) < PUSHES

    # Started again; WeChat retries every push it saw no "success" for, the same request.
    shutil.copy(app.stderr_file, app.log_dir / "devhost.before-kill.err")  # start truncates
    app.start()
    for open_id in requests:
        if open_id not in seen_before_restart:
            deliver(open_id)
    assert acknowledged == set(requests)

    last: list[list[dict]] = [[]]

    def settled() -> list[dict] | None:
        last[0] = admin.get(
            "/api/admin/conversations", params={"accountId": desk.account_id, "limit": 200}
        ).json()["conversations"]
        held = [c for c in last[0] if c["state"] == "active"]
        return last[0] if len(held) == PUSHES else None

    # What a killed worker left half done is the assignment sweep's to repair: the host's
    # minute timer (timers are off under test).
    time.sleep(HIDDEN_AFTER_CRASH + 2)  # what the kill interrupted is visible again
    swept = httpx.post(
        f"{app.url}/admin/functions/assignment_sweep", json={"input": ""}, timeout=60
    )
    assert swept.status_code == 202, swept.text
    try:
        conversations = wait_for(settled, 60, "every conversation to be assigned")
    except TimeoutError:
        states = Counter(c["state"] for c in last[0])
        stuck = [
            {k: c.get(k) for k in ("id", "state", "queueId", "agentId", "enqueuedAt", "bot")}
            for c in last[0]
            if c["state"] != "active"
        ]
        waiting = WaitingLine(storage_clients(connection).table(WAITING_TABLE))
        lines = {
            q: [e.conversation_id for e in waiting.entries(q, limit=500)]
            for q in {c["queueId"] for c in stuck if c["queueId"]}
        }
        pytest.fail(
            f"not every conversation was assigned: {dict(states)}: {stuck}; waiting: {lines}"
        )
    assert_one_line_per_customer(admin, conversations, texts)
    print("sweep, later:", sweep_later(app, storage_clients(connection)))
    assert_holds_match(admin, agents, conversations)
    time.sleep(1)
    assert_no_poison(storage_clients(connection))
