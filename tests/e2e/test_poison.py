"""Poison messages on devhost: a route message that really fails maxDequeueCount times lands in
``route-poison``, ``GET /api/admin/poison`` names its conversation and the error, and a replay
puts it back exactly once."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.data.tables import UpdateMode

from devhost.azurite import Azurite
from shared.pipeline.inbound import FALLBACK_DELAY
from shared.store.names import (
    ASSIGN_WORK_QUEUE,
    CONVERSATIONS_TABLE,
    FAILURES_TABLE,
    ROUTE_WORK_QUEUE,
)
from tests.e2e.conftest import register, wait_for
from tools.local_app import ROOT, LocalApp, app_settings, storage_clients
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer

MAX_DEQUEUE_COUNT = 3


@pytest.fixture(scope="module")
def fast_retries_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app as it is, with host.json retrying at once: poisoned in seconds, not a minute."""
    root = tmp_path_factory.mktemp("fast-retries-app")
    for name in ("function_app.py", "triggers", "shared", "console"):
        os.symlink(ROOT / name, root / name)
    host = json.loads((ROOT / "host.json").read_text("utf-8"))
    host["extensions"]["queues"].update(
        visibilityTimeout="00:00:00", maxDequeueCount=MAX_DEQUEUE_COUNT
    )
    (root / "host.json").write_text(json.dumps(host), "utf-8")
    return root


@pytest.fixture(scope="module")
def poison_azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    with Azurite(tmp_path_factory.mktemp("poison-azurite"), in_memory=True) as azurite:
        yield azurite


@pytest.fixture(scope="module")
def poison_app(
    poison_azurite: Azurite, fast_retries_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalApp]:
    local = LocalApp(
        app_settings(poison_azurite.connection_string),
        log_dir=tmp_path_factory.mktemp("poison-app"),
        root=fast_retries_root,
    )
    with local:
        yield local
        code = local.stop()
    assert code == 0, f"devhost exited with {code}:\n{local.output()}"


def test_a_failing_route_message_is_listed_with_its_conversation_and_error_then_replayed_once(
    poison_azurite: Azurite, poison_app: LocalApp
):
    storage = storage_clients(poison_azurite.connection_string)
    with poison_app.admin() as admin:
        assert admin.get("/api/admin/poison").json()["total"] == 0
        account = SimulatedAccount.random()
        account_id = register(admin, account, mode="plaintext")
        queue = admin.post("/api/admin/queues", json={"name": "General"}).json()
        admin.post(
            "/api/admin/workstreams",
            json={"name": "ws", "accountId": account_id, "fallbackQueueId": queue["id"]},
        ).raise_for_status()
        customer = WeChatCustomer(account)
        query, body = customer.push(customer.text("hello"), "plaintext")
        assert poison_app.push(account_id, query, body).is_success

        def routed():
            listing = admin.get("/api/admin/conversations", params={"accountId": account_id})
            return [c for c in listing.json()["conversations"] if c.get("queueId")]

        [conversation] = wait_for(routed, 20, "the conversation routed")

        # The conversation step withdrew its hidden fallback requests; once they would have
        # shown up, the queues hold nothing of the pipeline's own.
        time.sleep(FALLBACK_DELAY + 1)

        def settled():
            return not any(
                list(storage.queue(name).peek_messages(max_messages=1))
                for name in (ROUTE_WORK_QUEUE, ASSIGN_WORK_QUEUE)
            )

        wait_for(settled, 20, "the pipeline's own messages run")
        # A row the route step cannot read: every attempt fails, as a bug or bad data would.
        table = storage.table(CONVERSATIONS_TABLE)
        row = {"PartitionKey": account_id, "RowKey": "c:" + conversation["id"]}
        original = table.get_entity(row["PartitionKey"], row["RowKey"])
        table.update_entity({**row, "State": "unreadable"}, mode=UpdateMode.MERGE)
        storage.queue(ROUTE_WORK_QUEUE).send_message(
            json.dumps({"conversationId": conversation["id"]}, separators=(",", ":"))
        )

        def poisoned():
            report = admin.get("/api/admin/poison").json()
            route = next(q for q in report["queues"] if q["queue"] == ROUTE_WORK_QUEUE)
            return report if route["messages"] else None

        report = wait_for(poisoned, 30, "the route message in route-poison")
        assert report["peekLimit"] == 32
        assert report["total"] == 1, report
        route = next(q for q in report["queues"] if q["queue"] == ROUTE_WORK_QUEUE)
        assert route["poisonQueue"] == "route-poison"
        assert route["count"] == 1
        [message] = route["messages"]
        assert message["conversationId"] == conversation["id"]
        assert message["decoded"] is True
        assert json.loads(message["body"]) == {"conversationId": conversation["id"]}
        error = message["lastError"]
        assert error["dequeueCount"] == MAX_DEQUEUE_COUNT
        assert "unreadable" in error["message"], error
        log = poison_app.output()
        assert "Executed 'Functions.route' (Failed" in log
        assert "Message has reached MaxDequeueCount of 3" in log

        table.update_entity({**row, "State": original["State"]}, mode=UpdateMode.MERGE)
        succeeded = "Executed 'Functions.route' (Succeeded"
        runs_before = poison_app.output().count(succeeded)
        replay = f"/api/admin/poison/{ROUTE_WORK_QUEUE}/{message['id']}/replay"
        replayed = admin.post(replay)
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["messageId"] == message["id"]
        assert replayed.json()["replayedAs"] != message["id"]
        again = admin.post(replay)
        assert again.status_code == 404, again.text
        assert again.json()["error"]["code"] == "not_found"

        wait_for(
            lambda: poison_app.output().count(succeeded) == runs_before + 1,
            20,
            "the replayed message run",
        )
        assert admin.get("/api/admin/poison").json()["total"] == 0
        assert not list(storage.table(FAILURES_TABLE).list_entities())  # forgotten on replay


def test_unknown_queue_and_message_are_404(poison_app: LocalApp):
    with poison_app.admin() as admin:
        unknown_queue = admin.post("/api/admin/poison/nosuch/abc/replay")
        assert unknown_queue.status_code == 404, unknown_queue.text
        unknown_message = admin.post(f"/api/admin/poison/{ROUTE_WORK_QUEUE}/abc/replay")
        assert unknown_message.status_code == 404, unknown_message.text


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/api/admin/poison"), ("POST", f"/api/admin/poison/{ROUTE_WORK_QUEUE}/abc/replay")],
)
def test_poison_routes_need_the_admin_token(poison_app: LocalApp, method: str, path: str):
    with poison_app.client("") as anonymous:
        del anonymous.headers["Authorization"]
        assert anonymous.request(method, path).status_code == 401
    with poison_app.client("not-the-admin-token") as stranger:
        assert stranger.request(method, path).status_code == 403
    with poison_app.admin() as admin:
        queue = admin.post("/api/admin/queues", json={"name": "Q"}).json()
        agent = admin.post(
            "/api/admin/agents",
            json={"name": "Sup", "queueIds": [queue["id"]], "role": "supervisor"},
        ).json()
    with poison_app.client(agent["token"]) as supervisor:
        assert supervisor.request(method, path).status_code == 403


def test_a_message_that_does_not_fit_its_queue_is_poisoned_naming_the_queue_and_field(
    poison_azurite: Azurite, poison_app: LocalApp
):
    """Every attempt of a step refuses it before doing anything; the listing still reads the
    body as it is."""
    storage = storage_clients(poison_azurite.connection_string)
    unfit = {
        ASSIGN_WORK_QUEUE: '{"conversationId":"c-unfit","queueId":"q-unfit"}',
        ROUTE_WORK_QUEUE: '{"conversationId":42}',
    }
    with poison_app.admin() as admin:
        admin.get("/api/admin/poison").raise_for_status()  # the app has made its queues
        for queue, text in unfit.items():
            storage.queue(queue).send_message(text)

        def poisoned():
            queues = admin.get("/api/admin/poison").json()["queues"]
            found = {
                q["queue"]: m for q in queues for m in q["messages"] if m["body"] in unfit.values()
            }
            return found if len(found) == len(unfit) else None

        found = wait_for(poisoned, 30, "both messages in poison")
    assign, route = found[ASSIGN_WORK_QUEUE], found[ROUTE_WORK_QUEUE]
    assert (assign["conversationId"], assign["queueId"]) == ("c-unfit", "q-unfit")
    assert assign["lastError"]["message"] == (
        "WorkItemError: a message on the assign queue does not fit AssignItem: exactly one of "
        "conversationId, agentId, queueId is needed; conversationId and queueId are given"
    )
    assert assign["lastError"]["dequeueCount"] == MAX_DEQUEUE_COUNT
    assert "conversationId" not in route
    assert route["lastError"]["message"] == (
        "WorkItemError: a message on the route queue does not fit RouteItem: "
        "conversationId: Input should be a valid string"
    )
    for queue in unfit:
        storage.queue(f"{queue}-poison").clear_messages()
    failures = storage.table(FAILURES_TABLE)
    for entity in failures.list_entities():
        failures.delete_entity(entity["PartitionKey"], entity["RowKey"])
