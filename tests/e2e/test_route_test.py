"""The routing dry run over HTTP: a sample message gets the rule and queue the route step gives
a real one, with the saved rules or an unsaved list; nothing is stored; mistakes name their
field. And the vocabulary route the console's rule editor builds conditions from."""

from __future__ import annotations

import httpx
import pytest

from shared.model.conditions import FIELDS, OPERATORS, operators_for
from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer


@pytest.fixture
def setup(admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    general = admin.post("/api/admin/queues", json={"name": "General"}).json()
    refunds = admin.post("/api/admin/queues", json={"name": "Refunds"}).json()
    workstream = admin.post(
        "/api/admin/workstreams",
        json={
            "name": "dry run",
            "accountId": account_id,
            "fallbackQueueId": general["id"],
            "timeZone": "Asia/Shanghai",
            "routingRules": [
                {
                    "name": "refunds",
                    "condition": {"field": "message.text", "op": "contains", "value": "退款"},
                    "queueId": refunds["id"],
                },
                {
                    "name": "vip menu",
                    "condition": {"field": "event.key", "op": "equals", "value": "VIP"},
                    "queueId": refunds["id"],
                },
            ],
        },
    )
    assert workstream.status_code == 201, workstream.text
    return account, account_id, workstream.json(), general, refunds


def route_test(admin: httpx.Client, workstream_id: str, body: dict) -> httpx.Response:
    return admin.post(f"/api/admin/workstreams/{workstream_id}/route-test", json=body)


def test_the_saved_rules_pick_the_queue_as_routing_does(app, admin, setup):
    account, account_id, workstream, general, refunds = setup
    ws = workstream["id"]

    refund = route_test(admin, ws, {"message": {"type": "text", "text": "我要退款"}})
    assert refund.status_code == 200, refund.text
    assert refund.json() | {"localTime": None} == {
        "rule": "refunds",
        "ruleIndex": 0,
        "queueId": refunds["id"],
        "queueName": "Refunds",
        "fallback": False,
        "localTime": None,
        "queueHours": "open",
        "outputs": {},
        "rulesets": [],
        "skipped": [],
    }
    menu = route_test(
        admin, ws, {"message": {"type": "EVENT", "event": "CLICK", "eventKey": "VIP"}}
    )
    assert (menu.json()["rule"], menu.json()["ruleIndex"]) == ("vip menu", 1)
    hello = route_test(admin, ws, {"message": {"text": "你好"}}).json()
    assert (hello.get("rule"), hello["queueId"], hello["fallback"]) == (None, general["id"], True)

    # Nothing was stored: no conversation for the account, the workstream as it was.
    listing = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
    assert listing["conversations"] == []

    # A real customer writing the same words waits in the queue the dry run named.
    customer = WeChatCustomer(account)
    pushed = app.push(account_id, *customer.push(customer.text("我要退款"), "plaintext"))
    assert pushed.status_code == 200

    def routed():
        found = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
        return next((c for c in found["conversations"] if c.get("queueId")), None)

    conversation = wait_for(routed, what="the conversation to be routed")
    assert (conversation["queueId"], conversation["rule"]) == (refunds["id"], "refunds")


def test_unsaved_rules_with_a_time_and_context_are_tried_and_not_saved(admin, setup):
    _, _, workstream, general, refunds = setup
    ws = workstream["id"]
    rules = [
        {
            "name": "vip evenings",
            "condition": {
                "all": [
                    {"field": "time.hour", "op": "gte", "value": 18},
                    {"any": [{"field": "context.vip", "op": "equals", "value": True}]},
                ]
            },
            "queueId": refunds["id"],
        }
    ]
    evening = {"routingRules": rules, "context": {"vip": True}, "at": "2026-12-02T20:30:00"}
    result = route_test(admin, ws, evening)
    assert result.status_code == 200, result.text
    body = result.json()
    assert (body["rule"], body["queueId"]) == ("vip evenings", refunds["id"])
    assert body["localTime"] == "2026-12-02T20:30:00+08:00"  # no offset: the workstream's zone

    # 12:30 UTC is 20:30 in Shanghai; 10:30 there is before 18.
    utc = route_test(admin, ws, evening | {"at": "2026-12-02T12:30:00Z"}).json()
    assert utc["rule"] == "vip evenings"
    morning = route_test(admin, ws, evening | {"at": "2026-12-02T10:30:00+08:00"}).json()
    assert (morning.get("rule"), morning["queueId"]) == (None, general["id"])
    not_vip = route_test(admin, ws, evening | {"context": {"vip": "yes"}}).json()
    assert not_vip.get("rule") is None

    saved = admin.get(f"/api/admin/workstreams/{ws}").json()
    assert [rule["name"] for rule in saved["routingRules"]] == ["refunds", "vip menu"]


@pytest.mark.parametrize(
    ("rules", "field", "code"),
    [
        (
            [{"name": "r", "condition": {"field": "time.hour", "op": "contains", "value": 1}}],
            "routingRules.0.condition.op",
            "invalid_request",
        ),
        (
            [{"name": "r", "condition": {"any": [{"field": "nope", "op": "exists"}]}}],
            "routingRules.0.condition.any.0.field",
            "invalid_request",
        ),
        (
            [{"name": "r", "condition": {"field": "event.key", "op": "exists"}, "queueId": "gone"}],
            "routingRules.0.queueId",
            "unknown_reference",
        ),
    ],
)
def test_mistakes_in_unsaved_rules_name_their_field(admin, setup, rules, field, code):
    _, _, workstream, _, refunds = setup
    for rule in rules:
        rule.setdefault("queueId", refunds["id"])
    answer = route_test(admin, workstream["id"], {"routingRules": rules})
    assert answer.status_code == 400, answer.text
    assert (answer.json()["error"]["field"], answer.json()["error"]["code"]) == (field, code)


def test_text_counts_only_for_a_text_message(admin, setup):
    _, _, workstream, general, _ = setup
    answer = route_test(admin, workstream["id"], {"message": {"type": "image", "text": "退款"}})
    assert answer.status_code == 200, answer.text
    assert (answer.json().get("rule"), answer.json()["queueId"]) == (None, general["id"])
    assert route_test(admin, "nosuchworkstream", {}).status_code == 404


def test_a_voice_messages_recognition_counts_as_its_text(admin, setup):
    _, _, workstream, _, refunds = setup
    answer = route_test(admin, workstream["id"], {"message": {"type": "voice", "text": "我要退款"}})
    assert answer.status_code == 200, answer.text
    assert (answer.json()["rule"], answer.json()["queueId"]) == ("refunds", refunds["id"])


def test_the_vocabulary_is_the_condition_models(app, admin):
    answer = admin.get("/api/admin/routing/fields")
    assert answer.status_code == 200
    body = answer.json()
    assert [f["name"] for f in body["fields"]] == list(FIELDS)
    for described in body["fields"]:
        assert described["operators"] == operators_for(FIELDS[described["name"]][0])
    by_name = {f["name"]: f for f in body["fields"]}
    assert by_name["time.hour"]["kind"] == "number"
    assert "contains" not in by_name["time.hour"]["operators"]
    assert by_name["event.type"]["caseInsensitive"] is True
    assert body["contextField"]["operators"] == list(OPERATORS)
    assert body["forms"] == ["all", "any", "not"]
    assert httpx.get(f"{app.url}/api/admin/routing/fields").status_code == 401
