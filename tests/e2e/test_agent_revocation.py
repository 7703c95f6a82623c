"""Revoking an agent over HTTP on devhost: the admin rotates its token, disables it (every agent
route answers 403, no new work reaches it), closes its conversation for it, and enables it
again."""

from __future__ import annotations

import time

import httpx

from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer
from triggers.openapi import OPERATIONS


def agent_routes(conversation_id: str) -> list[tuple[str, str, dict | None]]:
    """(method, path, JSON body) of every agent route, from the OpenAPI operations."""
    return [
        (
            op.method.upper(),
            op.path.replace("{id}", conversation_id).replace("{entryId}", "0"),
            op.example,
        )
        for op in OPERATIONS
        if op.auth == "agent"
    ]


def test_rotate_disable_release_and_enable(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    queue = admin.post("/api/admin/queues", json={"name": "General"}).json()
    admin.post(
        "/api/admin/workstreams",
        json={"name": "ws", "accountId": account_id, "fallbackQueueId": queue["id"]},
    ).raise_for_status()
    created = admin.post(
        "/api/admin/agents", json={"name": "Lin", "queueIds": [queue["id"]], "capacity": 2}
    ).json()
    agent_id, old_token = created["id"], created["token"]
    with app.client(old_token) as lin:
        lin.put("/api/agent/presence", json={"presence": "available"}).raise_for_status()

    def conversation_of(customer, state):
        def check():
            listing = admin.get("/api/admin/conversations", params={"accountId": account_id})
            for conversation in listing.json()["conversations"]:
                if conversation["openId"] == customer.open_id and conversation["state"] == state:
                    return conversation
            return None

        return check

    first = WeChatCustomer(account)
    assert app.push(account_id, *first.push(first.text("hi"), "plaintext")).status_code == 200
    held = wait_for(conversation_of(first, "active"), what="the first conversation assigned")
    assert held["agentId"] == agent_id

    # Rotation: 200 with the new token once; the old one is refused at once.
    rotated = admin.post(f"/api/admin/agents/{agent_id}/token")
    assert rotated.status_code == 200, rotated.text
    new_token = rotated.json()["token"]
    assert rotated.json()["conversationIds"] == [held["id"]]
    bad = httpx.get(f"{app.url}/api/agent/me", headers={"Authorization": f"Bearer {old_token}"})
    assert bad.status_code == 401
    with app.client(new_token) as lin:
        assert lin.get("/api/agent/me").status_code == 200

    # Disabled: every agent route answers 403, whatever it is.
    patched = admin.patch(f"/api/admin/agents/{agent_id}", json={"disabled": True})
    assert patched.status_code == 200, patched.text
    assert (patched.json()["disabled"], patched.json()["presence"]) == (True, "offline")
    with app.client(new_token) as lin:
        routes = agent_routes(held["id"])
        assert len(routes) >= 10
        for method, path, body in routes:
            answer = lin.request(method, path, json=body)
            assert answer.status_code == 403, f"{method} {path}: {answer.text}"
            assert answer.json()["error"]["code"] == "agent_disabled"

    # No new work: a second customer's conversation is routed to the queue and stays there.
    second = WeChatCustomer(account)
    assert app.push(account_id, *second.push(second.text("hello"), "plaintext")).status_code == 200
    waiting = wait_for(conversation_of(second, "open"), what="the second conversation")
    wait_for(
        lambda: admin.get(f"/api/admin/conversations/{waiting['id']}").json().get("queueId"),
        what="the second conversation routed",
    )
    time.sleep(1.0)  # give the assign step its chance to get it wrong
    assert admin.get(f"/api/admin/conversations/{waiting['id']}").json()["state"] == "open"

    # The admin closes the disabled agent's conversation for it: its capacity is released.
    closed = admin.post(f"/api/admin/conversations/{held['id']}/close", json={})
    assert closed.status_code == 200, closed.text
    assert (closed.json()["state"], closed.json()["closeReason"]) == ("closed", "admin_closed")
    agent = admin.get(f"/api/admin/agents/{agent_id}").json()
    assert (agent["usedCapacity"], agent["conversationIds"]) == (0, [])

    # Enabled again: the token works, and once available the agent gets the waiting one.
    admin.patch(f"/api/admin/agents/{agent_id}", json={"disabled": False}).raise_for_status()
    with app.client(new_token) as lin:
        assert lin.get("/api/agent/me").json()["presence"] == "offline"
        lin.put("/api/agent/presence", json={"presence": "available"}).raise_for_status()
    served = wait_for(conversation_of(second, "active"), what="the waiting conversation assigned")
    assert served["agentId"] == agent_id


def test_admin_conversation_routes_need_the_admin_token(app, admin):
    for path in ("/api/admin/conversations/x/close", "/api/admin/conversations/x/transfer"):
        assert httpx.post(f"{app.url}{path}", json={}).status_code == 401
    assert httpx.post(f"{app.url}/api/admin/agents/x/token").status_code == 401
    assert admin.post("/api/admin/agents/nobody/token").status_code == 404
    missing = admin.post("/api/admin/conversations/nope/transfer", json={"queueId": "q"})
    assert missing.status_code == 404
