"""The supervisor's API over HTTP on devhost: a supervisor sees the queue they supervise and
nothing of another queue, an agent who is not a supervisor is refused every route, the change
feed tells the view when to refetch, and a supervisor transfers and closes on an agent's
behalf; the admin token sees every queue."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.conftest import wait_for
from tools.desk import Desk, DeskAgent
from triggers.openapi import OPERATIONS

SUPERVISOR_ROUTES = [op for op in OPERATIONS if op.auth == "supervisor"]


def supervisor(desk: Desk, name: str, queue_ids: list[str]) -> DeskAgent:
    created = desk.admin.post(
        "/api/admin/agents", json={"name": name, "queueIds": queue_ids, "role": "supervisor"}
    )
    assert created.status_code == 201, created.text
    return DeskAgent(created.json()["id"], name, created.json()["token"])


def call(client: httpx.Client, op: Any, conversation_id: str) -> httpx.Response:
    path = op.path.replace("{id}", conversation_id)
    if op.method == "get":
        return client.get(path)
    return client.post(path, json=op.example)


def listed(client: httpx.Client, **filters: str) -> list[dict[str, Any]]:
    answer = client.get("/api/supervisor/conversations", params=filters)
    assert answer.status_code == 200, answer.text
    return answer.json()["conversations"]


def test_the_supervisor_sees_their_queue_moves_work_and_others_are_refused(app, wechat_api, admin):
    desk = Desk.open(app, wechat_api, admin)
    ana = desk.agent("Ana", presence="offline")
    pat = desk.agent("Pat", presence="offline")
    sue = supervisor(desk, "Sue", [desk.queue_id])

    customer = desk.customer()
    desk.write(customer, "Where is my parcel?")
    with app.client(sue.token) as sue_api, app.client(pat.token) as pat_api:

        def queued() -> dict[str, Any] | None:
            found = [c for c in listed(sue_api) if c["openId"] == customer.open_id]
            return found[0] if found and found[0]["state"] == "open" else None

        waiting = wait_for(queued, what="the conversation queued while nobody is available")
        assert waiting["queueId"] == desk.queue_id
        assert waiting["lastLine"]["text"] == "Where is my parcel?"

        overview = sue_api.get("/api/supervisor/overview").json()
        assert [q["id"] for q in overview["queues"]] == [desk.queue_id]
        (front,) = overview["queues"]
        assert (front["queued"], front["active"], front["queuedMore"]) == (1, 0, False)
        assert front["oldestQueuedAt"] == waiting["enqueuedAt"]
        names = {a["name"]: a for a in overview["agents"]}
        assert set(names) == {"Ana", "Pat", "Sue"}
        assert names["Ana"]["presence"] == "offline"
        assert names["Ana"]["freeCapacity"] == 3

        # Another queue is not the supervisor's: not listed, not filterable, not to be moved.
        refunds = {"field": "message.text", "op": "contains", "value": "refund"}
        rule = {"name": "refunds", "condition": refunds, "queueId": desk.other_queue_id}
        admin.patch(
            f"/api/admin/workstreams/{desk.workstream_id}", json={"routingRules": [rule]}
        ).raise_for_status()
        other = desk.customer()
        desk.write(other, "A refund, please")
        moved = wait_for(
            lambda: next(
                (c for c in listed(admin, queueId=desk.other_queue_id)),
                None,
            ),
            what="the second conversation queued in the other queue",
        )
        assert [c["id"] for c in listed(sue_api)] == [waiting["id"]]
        assert (
            sue_api.get(
                "/api/supervisor/conversations", params={"queueId": desk.other_queue_id}
            ).status_code
            == 403
        )
        for op in SUPERVISOR_ROUTES:
            if "{id}" in op.path:
                assert call(sue_api, op, moved["id"]).status_code == 404, op.path
        assert (
            sue_api.get("/api/supervisor/conversations", params={"state": "closed"}).status_code
            == 400
        )
        assert listed(sue_api, state="active") == []
        assert [c["id"] for c in listed(admin, queueId=desk.other_queue_id)] == [moved["id"]]
        # Queued work moves from one waiting line to another (and not to the one it is in).
        back = admin.post(
            f"/api/supervisor/conversations/{moved['id']}/transfer",
            json={"queueId": desk.queue_id},
        )
        assert back.status_code == 200, back.text
        assert (back.json()["state"], back.json()["queueId"]) == ("open", desk.queue_id)
        again = admin.post(
            f"/api/supervisor/conversations/{moved['id']}/transfer",
            json={"queueId": desk.queue_id},
        )
        assert again.status_code == 409
        front = sue_api.get("/api/supervisor/overview").json()["queues"][0]
        assert front["queued"] == 2
        assert listed(admin, queueId=desk.other_queue_id) == []
        admin.post(f"/api/supervisor/conversations/{moved['id']}/close").raise_for_status()

        # An agent who is not a supervisor, and no token at all.
        for op in SUPERVISOR_ROUTES:
            refused = call(pat_api, op, waiting["id"])
            assert refused.status_code == 403, (op.path, refused.text)
            assert refused.json()["error"]["code"] == "forbidden"
            with httpx.Client(base_url=app.url) as anonymous:
                assert call(anonymous, op, waiting["id"]).status_code == 401, op.path

        # The change feed: a cursor, 204 while quiet, then what changed when Ana takes it.
        cursor = sue_api.get("/api/supervisor/changes").json()["cursor"]
        admin_cursor = admin.get("/api/supervisor/changes").json()["cursor"]
        assert sue_api.get("/api/supervisor/changes", params={"since": cursor}).status_code == 204
        with app.client(ana.token) as ana_api:
            ana_api.put("/api/agent/presence", json={"presence": "available"}).raise_for_status()
        active = wait_for(
            lambda: next(iter(listed(sue_api, state="active", agentId=ana.id)), None),
            what="the conversation assigned to Ana",
        )
        assert active["id"] == waiting["id"]
        changed = sue_api.get("/api/supervisor/changes", params={"since": cursor})
        assert changed.status_code == 200
        assert set(changed.json()["changed"]) == {"agent", "supervised"}
        assert (
            admin.get("/api/supervisor/changes", params={"since": admin_cursor}).status_code == 200
        )

        # On Ana's behalf: to Pat, who then has it; then closed.
        pat_api.put("/api/agent/presence", json={"presence": "available"}).raise_for_status()
        transferred = sue_api.post(
            f"/api/supervisor/conversations/{waiting['id']}/transfer", json={"agentId": pat.id}
        )
        assert transferred.status_code == 200, transferred.text
        assert transferred.json()["agentId"] == pat.id
        assert desk.conversation_of(pat, customer)["id"] == waiting["id"]
        closed = sue_api.post(f"/api/supervisor/conversations/{waiting['id']}/close", json={})
        assert closed.status_code == 200, closed.text
        assert (closed.json()["state"], closed.json()["closeReason"]) == (
            "closed",
            "supervisor_closed",
        )
        assert listed(sue_api) == []


@pytest.mark.parametrize("since", ["not a cursor!", "x" * 65])
def test_a_malformed_cursor_is_refused(app, admin, since):
    answer = admin.get("/api/supervisor/changes", params={"since": since})
    assert answer.status_code == 400
    assert answer.json()["error"]["field"] == "since"
