"""Offer mode over HTTP on devhost: a customer's conversation is offered to one agent, who
declines it; it is offered to the second agent, whom the first cannot take it from, and who
accepts it; an offer nobody answers moves on by itself when its time runs out."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer


def offer_desk(app: Any, admin: Any, offer_timeout: str) -> tuple[SimulatedAccount, str, dict]:
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    queue = admin.post("/api/admin/queues", json={"name": "Offers"}).json()
    too_short = admin.post(
        "/api/admin/workstreams",
        json={"name": "ws", "accountId": account_id, "fallbackQueueId": queue["id"],
              "assignmentMode": "offer", "offerTimeout": "PT5S"},
    )  # fmt: skip
    assert (too_short.status_code, too_short.json()["error"]["field"]) == (400, "offerTimeout")
    workstream = admin.post(
        "/api/admin/workstreams",
        json={"name": "ws", "accountId": account_id, "fallbackQueueId": queue["id"],
              "assignmentMode": "offer", "offerTimeout": offer_timeout, "maxDeclines": 1},
    )  # fmt: skip
    assert workstream.status_code == 201, workstream.text
    assert workstream.json()["assignmentMode"] == "offer"
    agents = {}
    for name in ("Lin", "Wu"):
        created = admin.post(
            "/api/admin/agents", json={"name": name, "queueIds": [queue["id"]], "capacity": 1}
        )
        assert created.status_code == 201, created.text
        agents[name] = created.json()
        with app.client(agents[name]["token"]) as client:
            assert client.put("/api/agent/presence", json={"presence": "available"}).is_success
    return account, account_id, agents


def offers_of(app: Any, agent: dict) -> list[dict]:
    with app.client(agent["token"]) as client:
        answer = client.get("/api/agent/offers")
        assert answer.status_code == 200, answer.text
        return answer.json()["offers"]


def offered_to_one(app: Any, agents: dict) -> tuple[str, dict]:
    """Wait until exactly one agent has the offer → (its name, the offer)."""

    def check() -> tuple[str, dict] | None:
        found = [(name, offers_of(app, agent)) for name, agent in agents.items()]
        having = [(name, offers[0]) for name, offers in found if offers]
        return having[0] if len(having) == 1 else None

    return wait_for(check, what="the conversation offered to one agent")


def test_offer_decline_offer_to_the_second_agent_accept(app, admin):
    account, account_id, agents = offer_desk(app, admin, "PT1M")
    customer = WeChatCustomer(account)
    assert app.push(account_id, *customer.push(customer.text("我要退款"), "plaintext")).is_success

    first, offer = offered_to_one(app, agents)
    assert offer["firstLine"]["text"] == "我要退款"
    conversation_id = offer["conversationId"]
    second = next(name for name in agents if name != first)
    stored = admin.get(f"/api/admin/conversations/{conversation_id}").json()
    assert stored["state"] == "open"
    assert stored["offer"]["agentId"] == agents[first]["id"]
    with app.client(agents[first]["token"]) as client:
        me = client.get("/api/agent/me").json()
        assert me["usedCapacity"] == 1, "the offer holds the agent's capacity"
        assert client.get("/api/agent/conversations").json()["conversations"] == []
        declined = client.post(f"/api/agent/conversations/{conversation_id}/decline")
        assert declined.status_code == 200, declined.text
        assert declined.json()["declines"] == {agents[first]["id"]: 1}

    name, offer = offered_to_one(app, agents)
    assert name == second, "the decline moves it to the next agent"
    with app.client(agents[first]["token"]) as client:
        refused = client.post(f"/api/agent/conversations/{conversation_id}/accept")
        assert (refused.status_code, refused.json()["error"]["code"]) == (409, "not_offered")
        assert client.get("/api/agent/me").json()["usedCapacity"] == 0
    with app.client(agents[second]["token"]) as client:
        accepted = client.post(f"/api/agent/conversations/{conversation_id}/accept")
        assert accepted.status_code == 200, accepted.text
        assert accepted.json()["state"] == "active"
        assert accepted.json()["agentId"] == agents[second]["id"]
        listed = client.get("/api/agent/conversations").json()["conversations"]
        assert [c["id"] for c in listed] == [conversation_id]
        again = client.post(f"/api/agent/conversations/{conversation_id}/accept")
        assert (again.status_code, again.json()["error"]["code"]) == (409, "not_offered")
    timeline = admin.get(f"/api/admin/conversations/{conversation_id}/timeline").json()
    steps = [(e["kind"], e.get("outcome")) for e in timeline["events"]]
    offered = [outcome for kind, outcome in steps if kind == "offered"]
    assert offered == ["offered", "declined", "offered"]
    assert steps.index(("offered", "declined")) < [k for k, _ in steps].index("assigned")


def test_an_unanswered_offer_moves_on_when_its_time_runs_out(app, admin):
    account, account_id, agents = offer_desk(app, admin, "PT10S")
    customer = WeChatCustomer(account)
    assert app.push(account_id, *customer.push(customer.text("hello"), "plaintext")).is_success
    first, offer = offered_to_one(app, agents)
    second = next(name for name in agents if name != first)

    def moved() -> tuple[str, dict] | None:
        name, now = offered_to_one(app, agents)
        return (name, now) if name == second else None

    wait_for(moved, timeout=30, what="the offer to move on after its 10 s")
    with app.client(agents[first]["token"]) as client:
        late = client.post(f"/api/agent/conversations/{offer['conversationId']}/accept")
        assert (late.status_code, late.json()["error"]["code"]) == (409, "offer_expired")
