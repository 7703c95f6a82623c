"""A conversation's timeline over HTTP on devhost: the admin's route answers every step of a
routed, answered conversation in order; no token is 401, an agent's token 403 (the admin
route takes the admin token only), an unknown conversation 404; the supervisor's route answers
the same timeline for the queue they supervise."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from tests.e2e.conftest import wait_for
from tools.desk import Desk


def kinds(timeline: dict[str, Any]) -> list[str]:
    return [event["kind"] for event in timeline["events"]]


def test_the_timeline_of_a_routed_answered_conversation(app, wechat_api, admin):
    desk = Desk.open(app, wechat_api, admin)
    lin = desk.agent("Lin")
    customer = desk.customer()
    desk.write(customer, "Where is my parcel?")
    conversation = desk.conversation_of(lin, customer)
    with app.client(lin.token) as lin_api:
        sent = lin_api.post(
            f"/api/agent/conversations/{conversation['id']}/messages", json={"text": "On its way"}
        )
        assert sent.status_code == 202, sent.text
        path = f"/api/admin/conversations/{conversation['id']}/timeline"

        def answered() -> dict[str, Any] | None:
            timeline = admin.get(path).json()
            return timeline if "sent" in kinds(timeline) else None

        timeline = wait_for(answered, what="the reply's send on the timeline")
        assert timeline["conversationId"] == conversation["id"]
        assert kinds(timeline) == ["received", "filed", "routed", "assigned", "sent"]
        routed, assigned, reply = timeline["events"][2:]
        assert routed["details"] == {"queueId": desk.queue_id}
        assert routed["outcome"] == "fallback queue"
        assert (assigned["details"]["agentId"], assigned["outcome"]) == (lin.id, "Lin")
        assert (reply["outcome"], reply["details"]["sender"]) == ("ok", f"agent:{lin.id}")
        times = [datetime.fromisoformat(event["at"]) for event in timeline["events"]]
        assert times == sorted(times)

        assert lin_api.get(path).status_code == 403  # an agent's token is not the admin's
    with httpx.Client(base_url=app.url) as anonymous:
        assert anonymous.get(path).status_code == 401
    unknown = admin.get("/api/admin/conversations/nosuchconversation/timeline")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    supervised = admin.get(f"/api/supervisor/conversations/{conversation['id']}/timeline")
    assert supervised.status_code == 200
    assert kinds(supervised.json()) == kinds(timeline)
