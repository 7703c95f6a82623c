"""Classification rulesets and percentage allocation over HTTP on devhost: a customer's
message lands in the queue its conversation id allocates, and the dry run says which ruleset
outputs were set and which rules were skipped."""

from __future__ import annotations

from shared.model.rules import bucket
from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer

REFUND = {"field": "message.text", "op": "contains", "value": "退款"}
VIP = {"field": "classification.tier", "op": "equals", "value": "vip"}


def test_a_message_lands_in_its_allocated_queue_and_the_dry_run_explains(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    queues = {
        name: admin.post("/api/admin/queues", json={"name": name, **extra}).json()
        for name, extra in (
            ("general", {}),
            ("a", {}),
            ("b", {}),
            ("full", {"overflow": {"maxWaiting": 0, "action": "end"}}),
        )
    }
    body = {
        "name": "classified",
        "accountId": account_id,
        "fallbackQueueId": queues["general"]["id"],
        "classificationRulesets": [
            {
                "name": "tier",
                "rules": [{"name": "refund", "condition": REFUND, "outputs": {"tier": "vip"}}],
            }
        ],
        "routingRules": [
            {"name": "full first", "condition": VIP, "queueId": queues["full"]["id"]},
            {
                "name": "vip split",
                "condition": VIP,
                "allocation": [
                    {"queueId": queues["a"]["id"], "percent": 50},
                    {"queueId": queues["b"]["id"], "percent": 50},
                ],
            },
        ],
    }
    refused = admin.post("/api/admin/workstreams", json={**body, "classificationRulesets": []})
    assert refused.status_code == 400, refused.text
    assert "classification.tier" in refused.text
    created = admin.post("/api/admin/workstreams", json=body)
    assert created.status_code == 201, created.text
    workstream = created.json()

    tested = admin.post(
        f"/api/admin/workstreams/{workstream['id']}/route-test",
        json={"message": {"text": "我要退款"}, "conversationId": "c-1"},
    )
    assert tested.status_code == 200, tested.text
    result = tested.json()
    assert result["outputs"] == {"tier": "vip"}
    assert result["rulesets"] == [{"ruleset": "tier", "rule": "refund"}]
    assert result["skipped"] == [
        {"rule": "full first", "queueId": queues["full"]["id"], "reason": "overflowing"}
    ]
    assert result["rule"] == "vip split"
    assert result["queueId"] == queues["a" if bucket("c-1") < 50 else "b"]["id"]

    customer = WeChatCustomer(account)
    assert (
        app.push(account_id, *customer.push(customer.text("我要退款"), "plaintext")).status_code
        == 200
    )

    def routed():
        listing = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
        found = [c for c in listing["conversations"] if c.get("queueId")]
        return found[0] if found else None

    conversation = wait_for(routed, what="the conversation to be routed")
    expected = queues["a" if bucket(conversation["id"]) < 50 else "b"]["id"]
    assert (conversation["queueId"], conversation["rule"]) == (expected, "vip split")
    fields = admin.get("/api/admin/routing/fields").json()
    assert fields["classificationField"]["name"] == "classification."
