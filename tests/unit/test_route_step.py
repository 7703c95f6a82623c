"""The route step on the store fakes: rules → queue, hours, overflow, the assign request, and
what a rerun or a racing writer leaves (tests/integration/test_routing.py does this on
Azurite through the intake)."""

from __future__ import annotations

from datetime import datetime, timezone

from shared.model.conversations import ConversationState as S
from shared.model.skills import RequiredSkill

MESSAGES = {
    "en": {
        "greeting": "Hello!",
        "queued": "You are number {Position} in line.",
        "outOfHours": "We are closed now.",
        "holiday": "Happy holiday, we are closed.",
        "overflowEnded": "Too busy, please write later.",
    }
}


def text_rule(name: str, word: str, queue_id: str, **extra):
    return {
        "name": name,
        "condition": {"field": "message.text", "op": "contains", "value": word},
        "queueId": queue_id,
        **extra,
    }


def closed_now(world) -> dict:
    """Operating hours that exclude the clock's moment (open only on another weekday)."""
    weekday = datetime.fromtimestamp(world.clock(), tz=timezone.utc).isoweekday()
    return {
        "timeZone": "UTC",
        "weekly": [{"days": [weekday % 7 + 1], "start": "00:00", "end": "24:00"}],
    }


def test_the_first_matching_rule_picks_queue_priority_and_skills_else_the_fallback(world):
    general, refunds, vip = world.queue("general", priority=40), world.queue(), world.queue()
    world.workstream(
        general.id,
        routingRules=[
            text_rule("refund", "退款", refunds.id, priority=5, skills=["billing"]),
            text_rule("also refund", "退", vip.id),
        ],
    )
    refund = world.get(world.conversation("我要退款"))
    assert (refund.queue_id, refund.priority, refund.rule, refund.skills) == (
        refunds.id,
        5,
        "refund",
        [RequiredSkill(name="billing", min_rating=1)],  # a plain name reads as minRating 1
    )
    other = world.get(world.conversation("hello"))
    assert (other.queue_id, other.priority, other.rule) == (general.id, 40, None)


def test_a_rule_whose_queue_is_gone_falls_back(world, services):
    fallback, doomed = world.queue("fallback"), world.queue("doomed")
    world.workstream(fallback.id, routingRules=[text_rule("r", "x", doomed.id)])
    services.queues.delete(doomed)
    assert world.get(world.conversation("x")).queue_id == fallback.id


def test_without_a_workstream_it_stays_unrouted_and_nobody_is_asked(world, services):
    conversation_id = world.write("anyone?")
    assert services.route_step.route(conversation_id) is None
    assert (world.get(conversation_id).state, world.get(conversation_id).queue_id) == (S.OPEN, None)
    assert services.assign_queue.peek() == []


def test_routing_again_keeps_its_place_and_says_nothing_twice(world, services):
    queue = world.queue()
    world.workstream(queue.id, automatedMessages=MESSAGES, language="en")
    conversation_id = world.conversation("hi")
    first = world.get(conversation_id)
    world.clock.advance(30)
    assert services.route_step.route(conversation_id) == queue.id
    assert world.get(conversation_id).enqueued_at == first.enqueued_at
    assert [e.conversation_id for e in services.waiting.entries(queue.id)] == [conversation_id]
    assert world.outbound_texts(conversation_id) == ["Hello!", "You are number 1 in line."]


def test_out_of_hours_the_queues_handling_applies(world):
    night = world.queue("night")
    ending = world.queue(operatingHours=closed_now(world), outOfHours={"action": "end"})
    moving = world.queue(
        operatingHours=closed_now(world),
        outOfHours={"action": "transfer", "transferQueueId": night.id},
    )
    anyway = world.queue(operatingHours=closed_now(world))
    workstream = world.workstream(ending.id, automatedMessages=MESSAGES, language="en")

    ended = world.get(world.conversation())
    assert (ended.state, ended.close_reason) == (S.CLOSED, "queue_closed")
    assert world.outbound_texts(ended.id) == ["Hello!", "We are closed now."]
    assert list(world.services.waiting.entries(ending.id)) == []

    for fallback, expected in ((moving, night), (anyway, anyway)):
        world.services.workstreams.update(
            workstream.id, lambda w, q=fallback: w.model_copy(update={"fallback_queue_id": q.id})
        )
        routed = world.get(world.conversation())
        assert (routed.state, routed.queue_id) == (S.OPEN, expected.id)
        assert "We are closed now." in world.outbound_texts(routed.id)


def test_on_a_holiday_it_ends_with_the_holiday_message(world):
    today = datetime.fromtimestamp(world.clock(), tz=timezone.utc).date().isoformat()
    queue = world.queue(
        operatingHours={"timeZone": "UTC", "holidays": [{"date": today}]},
        outOfHours={"action": "end"},
    )
    world.workstream(queue.id, automatedMessages=MESSAGES, language="en")
    ended = world.get(world.conversation())
    assert ended.close_reason == "queue_holiday"
    assert world.outbound_texts(ended.id) == ["Hello!", "Happy holiday, we are closed."]


def test_overflow_ends_or_transfers_once_the_line_is_full(world, services):
    spill = world.queue("spill")
    small = world.queue(overflow={"maxWaiting": 1, "action": "end"})
    workstream = world.workstream(small.id, automatedMessages=MESSAGES, language="en")
    first, second = world.get(world.conversation()), world.get(world.conversation())
    assert first.queue_id == small.id
    assert (second.state, second.close_reason) == (S.CLOSED, "queue_overflow")
    assert "Too busy, please write later." in world.outbound_texts(second.id)

    moving = world.queue(
        overflow={"maxWaiting": 1, "action": "transfer", "transferQueueId": spill.id}
    )
    services.workstreams.update(
        workstream.id, lambda w: w.model_copy(update={"fallback_queue_id": moving.id})
    )
    third, fourth = world.get(world.conversation()), world.get(world.conversation())
    assert (third.queue_id, fourth.queue_id) == (moving.id, spill.id)


def test_queues_that_transfer_to_each_other_stop_after_a_few_hops(world):
    to_a = {"action": "transfer", "transferQueueId": "queue-a"}
    b = world.queue("b", operatingHours=closed_now(world), outOfHours=to_a)
    to_b = {"action": "transfer", "transferQueueId": b.id}
    a = world.queue("a", queue_id="queue-a", operatingHours=closed_now(world), outOfHours=to_b)
    world.workstream(a.id, automatedMessages=MESSAGES, language="en")
    routed = world.get(world.conversation())  # it ends: queued where the hops stopped
    assert routed.state is S.OPEN
    assert routed.queue_id in (a.id, b.id)


def test_push_mode_asks_the_assign_step_and_the_request_can_wait(world, services):
    queue = world.queue()
    world.workstream(queue.id)
    conversation_id = world.write("hi")
    routed = services.route_step.route_and_ask(conversation_id, assign_delay=5)
    assert routed.queue_id == queue.id
    assert services.assign_queue.peek() == []  # hidden: the caller may assign at once
    world.clock.advance(5)
    assert services.assign_queue.peek() == [{"conversationId": conversation_id}]
    assert services.assign_queue.withdraw(routed.assign_request)


def test_pick_mode_queues_without_an_assign_request(world, services):
    queue = world.queue()
    world.workstream(queue.id, distributionMode="pick")
    routed = services.route_step.route_and_ask(world.write("hi"))
    assert (routed.queue_id, routed.assign_request) == (queue.id, None)
    assert services.assign_queue.peek() == []


def test_the_queued_message_tells_the_position(world):
    queue = world.queue()
    world.workstream(queue.id, automatedMessages=MESSAGES, language="en")
    world.conversation("1")
    world.clock.advance(1)
    second = world.conversation("2")
    assert world.outbound_texts(second)[-1] == "You are number 2 in line."


def test_a_conversation_another_worker_routed_meanwhile_keeps_their_queue(world, services):
    ours, theirs = world.queue("ours"), world.queue("theirs")
    ws = world.workstream(ours.id)
    conversation_id = world.write("hi")

    def other_worker() -> None:
        services.conversations.change(
            conversation_id,
            lambda c: {"queue_id": theirs.id, "workstream_id": ws.id, "enqueued_at": c.created_at},
        )

    services.conversations.before_next_save(conversation_id, other_worker)
    assert services.route_step.route(conversation_id) == theirs.id
    assert world.get(conversation_id).queue_id == theirs.id
    assert [e.conversation_id for e in services.waiting.entries(theirs.id)] == [conversation_id]
    assert list(services.waiting.entries(ours.id)) == []
