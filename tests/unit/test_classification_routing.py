"""Classification rulesets, percentage allocation and overflow-aware rules: the pure pieces
and the route step on the store fakes (tests/integration/test_classification_routing.py runs
them on Azurite with concurrent workers)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest
from pydantic import ValidationError

from shared.model.classification import ClassificationRuleset, classify_conversation
from shared.model.conditions import RoutingContext
from shared.model.rules import RoutingRule, allocated, bucket
from shared.model.workstreams import WorkstreamFields
from shared.pipeline.route import CLASSIFICATION_KEY

VIP = {"field": "customer.tags", "op": "contains", "value": "vip"}
ANY = {"field": "customer.openId", "op": "exists"}


def context(**fields) -> RoutingContext:
    return RoutingContext(
        **{
            "open_id": "o1",
            "account_id": "a1",
            "local_time": datetime(2026, 1, 5, 10, tzinfo=timezone.utc),
            **fields,
        }
    )


def ruleset(name: str, *rules: tuple[str, dict, dict]) -> dict:
    return {
        "name": name,
        "rules": [{"name": n, "condition": c, "outputs": o} for n, c, o in rules],
    }


def workstream(**fields) -> WorkstreamFields:
    return WorkstreamFields.model_validate(
        {"name": "ws", "accountId": "a1", "fallbackQueueId": "general", **fields}
    )


def test_each_ruleset_sees_what_earlier_ones_output():
    rulesets = [
        ClassificationRuleset.model_validate(r)
        for r in (
            ruleset("tier", ("vip", VIP, {"tier": "vip"}), ("rest", ANY, {"tier": "standard"})),
            ruleset(
                "lane",
                (
                    "fast",
                    {"field": "classification.tier", "op": "equals", "value": "vip"},
                    {"lane": "fast", "score": 9},
                ),
            ),
        )
    ]
    classified, seen = classify_conversation(rulesets, context(tags=("vip",)))
    assert classified.outputs == {"tier": "vip", "lane": "fast", "score": 9}
    assert classified.matched == (("tier", "vip"), ("lane", "fast"))
    assert seen.classification["lane"] == "fast"

    classified, _ = classify_conversation(rulesets, context())
    assert classified.outputs == {"tier": "standard"}
    assert classified.matched == (("tier", "rest"),)


def test_a_condition_reading_an_output_no_earlier_ruleset_sets_is_refused():
    later = {"field": "classification.tier", "op": "equals", "value": "vip"}
    with pytest.raises(ValidationError, match=r"classification\.tier.*no earlier ruleset") as early:
        workstream(
            classificationRulesets=[
                ruleset("lane", ("fast", later, {"lane": "fast"})),
                ruleset("tier", ("vip", VIP, {"tier": "vip"})),
            ]
        )
    # Each refusal names the condition that reads the variable, for the console to mark it.
    assert early.value.errors()[0]["loc"] == ("classificationRulesets", 0, "rules", 0, "condition")
    with pytest.raises(ValidationError, match=r"reads classification\.tier") as unset:
        workstream(routingRules=[{"name": "r", "condition": later, "queueId": "vip"}])
    assert unset.value.errors()[0]["loc"] == ("routingRules", 0, "condition")
    accepted = workstream(
        classificationRulesets=[ruleset("tier", ("vip", VIP, {"tier": "vip"}))],
        routingRules=[{"name": "r", "condition": later, "queueId": "vip"}],
    )
    assert accepted.classification_rulesets[0].outputs() == {"tier"}


@pytest.mark.parametrize(
    ("rulesets", "message"),
    [
        ([ruleset("a", ("x", ANY, {"bad.name": 1}))], "not a valid variable name"),
        ([ruleset("a", ("x", ANY, {"t": 1}), ("x", ANY, {"t": 2}))], "unique"),
        ([ruleset("a", ("x", ANY, {"t": 1})), ruleset("a", ("y", ANY, {"t": 1}))], "unique"),
        ([ruleset("a", ("x", ANY, {}))], "at least 1"),
    ],
)
def test_rulesets_are_checked_on_save(rulesets, message):
    with pytest.raises(ValidationError, match=message):
        workstream(classificationRulesets=rulesets)


def test_an_allocation_has_two_to_five_shares_summing_to_100_and_no_queue_id():
    def rule(**target) -> RoutingRule:
        return RoutingRule.model_validate({"name": "r", "condition": ANY, **target})

    shares = [{"queueId": "a", "percent": 30}, {"queueId": "b", "percent": 70}]
    assert rule(allocation=shares).queue_ids() == ["a", "b"]
    for bad, message in [
        ({"allocation": shares[:1]}, "at least 2"),
        ({"allocation": [shares[0], {"queueId": "b", "percent": 60}]}, "sum to 100, not 90"),
        ({"allocation": [shares[0], {"queueId": "a", "percent": 70}]}, "once"),
        ({"allocation": shares, "queueId": "a"}, "exactly one of queueId or allocation"),
        ({}, "exactly one of queueId or allocation"),
    ]:
        with pytest.raises(ValidationError, match=message):
            rule(**bad)


def test_allocation_is_stable_per_id_and_close_to_the_percentages():
    rule = RoutingRule.model_validate(
        {
            "name": "split",
            "condition": ANY,
            "allocation": [
                {"queueId": "a", "percent": 10},
                {"queueId": "b", "percent": 30},
                {"queueId": "c", "percent": 60},
            ],
        }
    )
    ids = [f"conv-{n}" for n in range(20_000)]
    assert all(0 <= bucket(i) < 100 for i in ids[:1000])
    counts = Counter(rule.queue_for(i) for i in ids)
    assert abs(counts["a"] / len(ids) - 0.10) < 0.015
    assert abs(counts["b"] / len(ids) - 0.30) < 0.02
    assert abs(counts["c"] / len(ids) - 0.60) < 0.02
    assert [rule.queue_for(i) for i in ids[:500]] == [rule.queue_for(i) for i in ids[:500]]
    assert allocated(rule.allocation or [], "conv-1") == rule.queue_for("conv-1")


def test_the_route_step_classifies_records_why_and_routes_on_the_outputs(world):
    general, vip = world.queue("general"), world.queue("vip")
    world.workstream(
        general.id,
        classificationRulesets=[
            ruleset(
                "tier",
                (
                    "refund",
                    {"field": "message.text", "op": "contains", "value": "退款"},
                    {"tier": "vip"},
                ),
            )
        ],
        routingRules=[
            {
                "name": "vip line",
                "condition": {"field": "classification.tier", "op": "equals", "value": "vip"},
                "queueId": vip.id,
            }
        ],
    )
    refund = world.get(world.conversation("我要退款"))
    assert (refund.queue_id, refund.rule) == (vip.id, "vip line")
    assert refund.context[CLASSIFICATION_KEY] == {"tier": "vip"}
    other = world.get(world.conversation("hello"))
    assert (other.queue_id, CLASSIFICATION_KEY in other.context) == (general.id, False)


def test_allocation_routes_by_the_conversation_id(world):
    general, a, b = world.queue("general"), world.queue("a"), world.queue("b")
    world.workstream(
        general.id,
        routingRules=[
            {
                "name": "split",
                "condition": ANY,
                "allocation": [{"queueId": a.id, "percent": 50}, {"queueId": b.id, "percent": 50}],
            }
        ],
    )
    routed = [world.get(world.conversation()) for _ in range(40)]
    for conversation in routed:
        assert conversation.queue_id == (a.id if bucket(conversation.id) < 50 else b.id)
    assert {c.queue_id for c in routed} == {a.id, b.id}


def test_an_overflowing_queue_is_skipped_for_the_next_matching_rule(world):
    general = world.queue("general")
    small = world.queue("small", overflow={"maxWaiting": 1, "action": "end"})
    spare = world.queue("spare")
    world.workstream(
        general.id,
        routingRules=[
            {"name": "small first", "condition": ANY, "queueId": small.id},
            {"name": "then spare", "condition": ANY, "queueId": spare.id},
        ],
    )
    first, second = world.get(world.conversation()), world.get(world.conversation())
    assert (first.queue_id, first.rule) == (small.id, "small first")
    assert (second.queue_id, second.rule) == (spare.id, "then spare")
