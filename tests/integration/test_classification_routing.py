"""Classification rulesets, percentage allocation and overflow-aware rules on Azurite, with
route workers running side by side (threads) as the Functions host runs them."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from shared.model.rules import bucket
from shared.pipeline.route import CLASSIFICATION_KEY

ANY = {"field": "customer.openId", "op": "exists"}
WORKERS = 4


def route_all(world, conversation_ids: list[str], times: int = 1) -> None:
    """Every conversation routed ``times`` over by concurrent workers (a replayed request)."""
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(world.services.route_step.route, conversation_ids * times))


def test_replayed_routing_lands_in_the_allocated_queue_with_its_classification(world):
    general, a, b = world.queue("general"), world.queue("a"), world.queue("b")
    world.workstream(
        general.id,
        classificationRulesets=[
            {
                "name": "tier",
                "rules": [
                    {
                        "name": "refund",
                        "condition": {"field": "message.text", "op": "contains", "value": "退款"},
                        "outputs": {"tier": "vip"},
                    }
                ],
            }
        ],
        routingRules=[
            {
                "name": "vip split",
                "condition": {"field": "classification.tier", "op": "equals", "value": "vip"},
                "allocation": [{"queueId": a.id, "percent": 40}, {"queueId": b.id, "percent": 60}],
            }
        ],
    )
    ids = [world.conversation("我要退款", route=False) for _ in range(16)]
    other = world.conversation("hello", route=False)
    route_all(world, [*ids, other], times=3)

    for conversation_id in ids:
        routed = world.get(conversation_id)
        assert routed.queue_id == (a.id if bucket(conversation_id) < 40 else b.id)
        assert (routed.rule, routed.context[CLASSIFICATION_KEY]) == ("vip split", {"tier": "vip"})
    assert world.get(other).queue_id == general.id
    waiting = world.services.waiting
    lined = sum(waiting.has_at_least(q.id, 1) for q in (a, b))
    assert lined >= 1
    assert waiting.has_at_least(a.id, sum(bucket(i) < 40 for i in ids))
    assert not waiting.has_at_least(a.id, sum(bucket(i) < 40 for i in ids) + 1)


def test_a_full_queue_is_skipped_for_the_next_matching_rule_by_every_worker(world):
    general = world.queue("general")
    small = world.queue("small", overflow={"maxWaiting": 2, "action": "end"})
    spare = world.queue("spare")
    world.workstream(
        general.id,
        routingRules=[
            {"name": "small first", "condition": ANY, "queueId": small.id},
            {"name": "then spare", "condition": ANY, "queueId": spare.id},
        ],
    )
    filled = [world.conversation("1"), world.conversation("2")]
    assert [world.get(c).queue_id for c in filled] == [small.id, small.id]

    later = [world.conversation(str(n), route=False) for n in range(8)]
    route_all(world, later, times=2)
    assert {(world.get(c).queue_id, world.get(c).rule) for c in later} == {(spare.id, "then spare")}
    assert not world.services.waiting.has_at_least(small.id, 3)
