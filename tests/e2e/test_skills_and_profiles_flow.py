"""Skills with ratings and a capacity profile over HTTP on devhost: an admin sets them up,
customers write, and the assign step gives work only to the rated agent holding the profile,
as many conversations as the profile allows; wrap-up with ``never`` frees the item at once."""

from __future__ import annotations

from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer


def test_work_goes_to_the_rated_agent_up_to_the_profile_items(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    queue = admin.post("/api/admin/queues", json={"name": "Billing"}).json()

    refused = admin.post(
        "/api/admin/capacity-profiles",
        json={"name": "Chat", "blockAssignmentDuringWrapUp": "fixed", "wrapUpDuration": "PT10S"},
    )
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["field"] == "wrapUpDuration"
    created = admin.post(
        "/api/admin/capacity-profiles",
        json={"name": "Chat", "maxItems": 2, "blockAssignmentDuringWrapUp": "never"},
    )
    assert created.status_code == 201, created.text
    chat = created.json()
    assert chat in admin.get("/api/admin/capacity-profiles").json()["capacityProfiles"]

    unknown = admin.post(
        "/api/admin/workstreams",
        json={"name": "ws", "accountId": account_id, "fallbackQueueId": queue["id"],
              "capacityProfileId": "nope"},
    )  # fmt: skip
    assert (unknown.status_code, unknown.json()["error"]["field"]) == (400, "capacityProfileId")
    workstream = admin.post(
        "/api/admin/workstreams",
        json={
            "name": "ws",
            "accountId": account_id,
            "fallbackQueueId": queue["id"],
            "skillMatching": "exact",
            "requiredSkills": [{"name": "billing", "minRating": 3}],
            "capacityProfileId": chat["id"],
        },
    )
    assert workstream.status_code == 201, workstream.text

    agents = {}
    for name, rating in (("Lin", 4), ("Wu", 2)):
        response = admin.post(
            "/api/admin/agents",
            json={
                "name": name,
                "queueIds": [queue["id"]],
                "capacity": 10,
                "skills": [{"name": "billing", "rating": rating}],
                "capacityProfileIds": [chat["id"]],
            },
        )
        assert response.status_code == 201, response.text
        agents[name] = response.json()
        assert agents[name]["skills"] == [{"name": "billing", "rating": rating}]
        with app.client(agents[name]["token"]) as client:
            assert client.put("/api/agent/presence", json={"presence": "available"}).is_success
    in_use = admin.delete(f"/api/admin/capacity-profiles/{chat['id']}")
    assert (in_use.status_code, in_use.json()["error"]["code"]) == (409, "in_use")

    customers = [WeChatCustomer(account) for _ in range(3)]
    for customer in customers:
        assert app.push(account_id, *customer.push(customer.text("账单"), "plaintext")).is_success

    def listing():
        found = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
        return found["conversations"]

    def states(active: int, open_: int):
        def check():
            found = listing()
            counts = [sum(c["state"] == s for c in found) for s in ("active", "open")]
            return found if counts == [active, open_] else None

        return check

    found = wait_for(states(2, 1), what="two conversations assigned, one waiting")
    assert {c["agentId"] for c in found if c["state"] == "active"} == {agents["Lin"]["id"]}

    # wrap-up under "never" gives the item back at once: the waiting one reaches Lin
    first = next(c for c in found if c["state"] == "active")
    with app.client(agents["Lin"]["token"]) as lin:
        wrapping = lin.post(f"/api/agent/conversations/{first['id']}/close", json={"wrapUp": True})
        assert (wrapping.status_code, wrapping.json()["state"]) == (200, "wrapup"), wrapping.text
    found = wait_for(states(2, 0), what="the waiting conversation to reach Lin")
    assert {c["agentId"] for c in found if c["state"] == "active"} == {agents["Lin"]["id"]}
