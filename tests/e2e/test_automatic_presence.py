"""Automatic presence over HTTP on devhost: an available agent whose one slot a customer's push
fills shows busy (its chosen presence kept), polls of the change feed are recorded, and it
shows available again once the conversation closes."""

from __future__ import annotations

from tests.e2e.conftest import wait_for
from tools.desk import Desk


def test_full_capacity_shows_busy_until_room_frees(app, wechat_api, admin):
    desk = Desk.open(app, wechat_api, admin)
    ana = desk.agent("Ana", capacity=1)
    with app.client(ana.token) as api:
        assert api.get("/api/agent/changes").status_code == 200
        me = api.get("/api/agent/me").json()
        assert (me["presence"], me["shownPresence"]) == ("available", "available")
        assert me["lastPolledAt"] is not None

        customer = desk.customer()
        desk.write(customer, "hello")
        conversation = desk.conversation_of(ana, customer)
        me = wait_for(
            lambda: (m := api.get("/api/agent/me").json())["usedCapacity"] == 1 and m,
            what="the conversation holding Ana's one slot",
        )
        assert (me["presence"], me["shownPresence"]) == ("available", "busy")
        listed = {a["id"]: a for a in admin.get("/api/admin/agents").json()["agents"]}
        assert listed[ana.id]["shownPresence"] == "busy"

        closed = api.post(f"/api/agent/conversations/{conversation['id']}/close", json={})
        assert closed.status_code == 200, closed.text
        me = api.get("/api/agent/me").json()
        assert (me["presence"], me["shownPresence"]) == ("available", "available")
