"""Routing and distribution over HTTP on devhost: admin setup, customers writing, the route
and assign steps running from their queues, and agents working through the agent API."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer


@pytest.fixture
def setup(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    general = admin.post("/api/admin/queues", json={"name": "General"}).json()
    refunds = admin.post(
        "/api/admin/queues",
        json={"name": "Refunds", "priority": 10, "assignmentMethod": "roundRobin"},
    ).json()
    workstream = admin.post(
        "/api/admin/workstreams",
        json={
            "name": "WeChat service",
            "accountId": account_id,
            "language": "zh-CN",
            "fallbackQueueId": general["id"],
            "automatedMessages": {"zh-CN": {"agentAssigned": "{AgentName} 为您服务"}},
            "routingRules": [
                {
                    "name": "refunds",
                    "condition": {"field": "message.text", "op": "contains", "value": "退款"},
                    "queueId": refunds["id"],
                },
                {
                    "name": "vip menu",
                    "condition": {"field": "event.key", "op": "equals", "value": "VIP"},
                    "queueId": general["id"],
                    "priority": 1,
                },
            ],
        },
    )
    assert workstream.status_code == 201, workstream.text
    agents = {}
    for name, queues in (("Lin", [refunds["id"]]), ("Wu", [general["id"]])):
        created = admin.post(
            "/api/admin/agents", json={"name": name, "queueIds": queues, "capacity": 2}
        )
        assert created.status_code == 201, created.text
        agents[name] = created.json()
    return account, account_id, general, refunds, agents


def test_messages_are_routed_by_rule_and_assigned(app, admin, setup):
    account, account_id, general, refunds, agents = setup
    assert agents["Lin"]["token"].startswith("agt_")
    listed = admin.get("/api/admin/agents").json()["agents"]
    assert all("token" not in agent for agent in listed)

    for agent in agents.values():
        with app.client(agent["token"]) as client:
            me = client.put("/api/agent/presence", json={"presence": "available"})
            assert me.status_code == 200, me.text
            assert me.json()["presence"] == "available"

    refund_customer, other_customer = WeChatCustomer(account), WeChatCustomer(account)
    for customer, text in ((refund_customer, "我要退款"), (other_customer, "你好")):
        assert (
            app.push(account_id, *customer.push(customer.text(text), "plaintext")).status_code
            == 200
        )

    def assigned(customer):
        def check():
            listing = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
            for conversation in listing["conversations"]:
                if conversation["openId"] == customer.open_id and conversation["state"] == "active":
                    return conversation
            return None

        return wait_for(check, what=f"{customer.open_id} to be assigned")

    refund = assigned(refund_customer)
    other = assigned(other_customer)
    assert (refund["queueId"], refund["agentId"], refund["rule"]) == (
        refunds["id"],
        agents["Lin"]["id"],
        "refunds",
    )
    assert (other["queueId"], other["agentId"]) == (general["id"], agents["Wu"]["id"])

    # The assignment is visible a moment before its automated message is written.
    def announced():
        detail = admin.get(f"/api/admin/conversations/{refund['id']}").json()
        return detail if detail["messages"][-1].get("text") == "Lin 为您服务" else None

    detail = wait_for(announced, what="the agentAssigned message")
    assert detail["messages"][-1]["direction"] == "out"

    with app.client(agents["Lin"]["token"]) as lin:
        me = lin.get("/api/agent/me").json()
        assert (me["usedCapacity"], me["conversationIds"]) == (1, [refund["id"]])
        assert lin.post(f"/api/agent/conversations/{other['id']}/close").status_code == 404
        closed = lin.post(f"/api/agent/conversations/{refund['id']}/close", json={})
        assert closed.status_code == 200, closed.text
        assert closed.json()["state"] == "closed"
        again = lin.post(f"/api/agent/conversations/{refund['id']}/park")
        assert (again.status_code, again.json()["error"]["code"]) == (409, "illegal_transition")
        assert lin.get("/api/agent/me").json()["usedCapacity"] == 0


def test_agent_routes_need_an_agent_token(app, admin):
    assert httpx.get(f"{app.url}/api/agent/me").status_code == 401
    bad = httpx.get(f"{app.url}/api/agent/me", headers={"Authorization": "Bearer agt_nope"})
    assert bad.status_code == 401
    admin_token = httpx.get(
        f"{app.url}/api/agent/me", headers={"Authorization": f"Bearer {app.admin_token}"}
    )
    assert admin_token.status_code == 403  # a valid token, but not an agent's


def test_pick_mode_over_http(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    queue = admin.post("/api/admin/queues", json={"name": "Pick"}).json()
    admin.post(
        "/api/admin/workstreams",
        json={
            "name": "pick",
            "accountId": account_id,
            "fallbackQueueId": queue["id"],
            "distributionMode": "pick",
        },
    ).raise_for_status()
    agent = admin.post(
        "/api/admin/agents", json={"name": "Picker", "queueIds": [queue["id"]]}
    ).json()
    customer = WeChatCustomer(account)
    app.push(account_id, *customer.push(customer.text("pick me"), "plaintext")).raise_for_status()
    with app.client(agent["token"]) as client:
        client.put("/api/agent/presence", json={"presence": "available"}).raise_for_status()
        waiting = wait_for(
            lambda: client.get("/api/agent/queue").json()["conversations"], what="the queue"
        )
        picked = client.post(f"/api/agent/conversations/{waiting[0]['id']}/pick")
        assert picked.status_code == 200, picked.text
        assert picked.json()["state"] == "active"
        assert client.get("/api/agent/queue").json()["conversations"] == []


class TestAdminValidation:
    def test_unknown_rule_field_and_operator(self, admin, setup):
        _, account_id, general, _, _ = setup
        body = {
            "name": "x",
            "accountId": account_id,
            "fallbackQueueId": general["id"],
            "routingRules": [
                {
                    "name": "a",
                    "condition": {"field": "message.text", "op": "equals", "value": "x"},
                    "queueId": general["id"],
                },
                {
                    "name": "b",
                    "condition": {"field": "message.txt", "op": "equals", "value": "x"},
                    "queueId": general["id"],
                },
            ],
        }
        response = admin.post("/api/admin/workstreams", json=body)
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "routingRules.1.condition.field"
        body["routingRules"][1]["condition"] = {
            "field": "message.text",
            "op": "sounds like",
            "value": "x",
        }
        response = admin.post("/api/admin/workstreams", json=body)
        assert response.json()["error"]["field"] == "routingRules.1.condition.op"

    def test_references_and_uniqueness(self, admin, setup):
        _, account_id, general, refunds, _ = setup
        again = admin.post(
            "/api/admin/workstreams",
            json={"name": "dup", "accountId": account_id, "fallbackQueueId": general["id"]},
        )
        assert (again.status_code, again.json()["error"]["field"]) == (409, "accountId")
        nowhere = admin.post(
            "/api/admin/workstreams",
            json={"name": "x", "accountId": "nosuch", "fallbackQueueId": general["id"]},
        )
        assert (nowhere.status_code, nowhere.json()["error"]["field"]) == (400, "accountId")
        no_queue = admin.post(
            "/api/admin/agents", json={"name": "x", "queueIds": [general["id"], "nosuch"]}
        )
        assert (no_queue.status_code, no_queue.json()["error"]["field"]) == (400, "queueIds.1")
        in_use = admin.delete(f"/api/admin/queues/{refunds['id']}")
        assert in_use.status_code == 409
        bad_hours = admin.post(
            "/api/admin/queues", json={"name": "x", "operatingHours": {"timeZone": "Mars/Base"}}
        )
        assert (bad_hours.status_code, bad_hours.json()["error"]["field"]) == (
            400,
            "operatingHours.timeZone",
        )

    def test_patch_and_delete(self, admin, setup):
        _, _, general, _, agents = setup
        patched = admin.patch(
            f"/api/admin/queues/{general['id']}", json={"assignmentMethod": "leastActive"}
        )
        assert patched.json()["assignmentMethod"] == "leastActive"
        renamed = admin.patch(f"/api/admin/agents/{agents['Wu']['id']}", json={"capacity": 5})
        assert renamed.json()["capacity"] == 5
        assert admin.delete(f"/api/admin/agents/{agents['Wu']['id']}").status_code == 204
        assert admin.get(f"/api/admin/agents/{agents['Wu']['id']}").status_code == 404
        spare = admin.post("/api/admin/queues", json={"name": "spare"}).json()
        assert admin.delete(f"/api/admin/queues/{spare['id']}").status_code == 204


def test_a_rule_written_as_wechat_writes_event_types_matches_a_menu_tap(app, admin):
    """WeChat's documentation and pushes say CLICK; a rule copied from there must match."""
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="safe")
    general = admin.post("/api/admin/queues", json={"name": "General"}).json()
    menu = admin.post("/api/admin/queues", json={"name": "Menu"}).json()
    rule = {
        "name": "menu taps",
        "condition": {"field": "event.type", "op": "equals", "value": "CLICK"},
        "queueId": menu["id"],
    }
    created = admin.post(
        "/api/admin/workstreams",
        json={
            "name": "menus",
            "accountId": account_id,
            "fallbackQueueId": general["id"],
            "routingRules": [rule],
        },
    )
    assert created.status_code == 201, created.text
    customer = WeChatCustomer(account)
    response = app.push(account_id, *customer.push(customer.click("HELP"), "safe"))
    assert response.status_code == 200, response.text

    def routed():
        listing = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
        return next((c for c in listing["conversations"] if c.get("queueId")), None)

    conversation = wait_for(routed, what="the menu tap routed")
    assert (conversation["queueId"], conversation["rule"]) == (menu["id"], "menu taps")
