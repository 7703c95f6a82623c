"""Routing and distribution on Azurite: rules, hours, overflow, methods, pick mode, affinity,
the lifecycle, and capacity under concurrent workers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import pytest

from shared.core.errors import DomainError
from shared.desk.work import CloseRequest, PresenceChange, TransferRequest
from shared.model.conversations import ConversationState as S
from shared.model.queues import QueuePatch
from shared.model.workstreams import WorkstreamPatch
from shared.pipeline.assign import Outcome
from triggers.errors import status_of

GREETINGS = {
    "en": {
        "greeting": "Hello!",
        "queued": "You are number {Position} in line.",
        "agentAssigned": "{AgentName} will help you.",
        "outOfHours": "We are closed now.",
        "holiday": "Happy holiday, we are closed.",
        "overflowEnded": "Too busy, please write later.",
        "conversationClosed": "Bye!",
    }
}


def text_rule(name: str, word: str, queue_id: str, **extra):
    return {
        "name": name,
        "condition": {"field": "message.text", "op": "contains", "value": word},
        "queueId": queue_id,
        **extra,
    }


def now_utc(world) -> datetime:
    return datetime.fromtimestamp(world.clock(), tz=timezone.utc)


class TestClassification:
    def test_first_matching_rule_wins_else_fallback(self, world):
        general, refunds, vip = world.queue("general"), world.queue("refunds"), world.queue("vip")
        world.workstream(
            general.id,
            routingRules=[
                text_rule("refund", "退款", refunds.id, priority=5),
                {
                    "name": "vip menu",
                    "condition": {
                        "all": [
                            {"field": "event.type", "op": "equals", "value": "click"},
                            {"field": "event.key", "op": "startsWith", "value": "VIP"},
                        ]
                    },
                    "queueId": vip.id,
                },
                text_rule("also refund", "退", vip.id),
            ],
        )
        refund = world.conversation("我要退款")
        assert (world.get(refund).queue_id, world.get(refund).priority) == (refunds.id, 5)
        assert world.get(refund).rule == "refund"
        customer = world.customer()
        click = world.write(customer, customer.click("VIP_HELP"))
        world.services.route_step.route(click)
        assert world.get(click).queue_id == vip.id
        other = world.conversation("hello")
        assert world.get(other).queue_id == general.id
        assert world.get(other).rule is None
        assert world.get(other).priority == general.priority

    def test_no_workstream_leaves_it_unrouted_until_one_is_created(self, world):
        conversation = world.conversation("anyone?")
        assert world.get(conversation).queue_id is None
        assert world.get(conversation).state is S.OPEN
        queue = world.queue()
        route_queue = world.services.storage.queue("route")
        route_queue.clear_messages()
        world.workstream(queue.id)
        asked = [m.content for m in route_queue.peek_messages(max_messages=32)]
        assert f'{{"conversationId":"{conversation}"}}' in asked
        world.services.route_step.route(conversation)
        assert world.get(conversation).queue_id == queue.id

    def test_routing_twice_changes_nothing(self, world):
        queue = world.queue()
        world.workstream(queue.id, automatedMessages=GREETINGS, language="en")
        conversation = world.conversation("hi")
        first = world.get(conversation)
        assert world.services.route_step.route(conversation) == queue.id
        assert world.get(conversation).enqueued_at == first.enqueued_at
        assert world.outbound_texts(conversation) == ["Hello!", "You are number 1 in line."]


class TestHoursAndOverflow:
    @staticmethod
    def closed_now(world) -> dict:
        """Operating hours that exclude the test clock's moment (a window on another day)."""
        weekday = now_utc(world).isoweekday()
        other = weekday % 7 + 1
        return {"timeZone": "UTC", "weekly": [{"days": [other], "start": "00:00", "end": "24:00"}]}

    def test_out_of_hours_end(self, world):
        queue = world.queue(operatingHours=self.closed_now(world), outOfHours={"action": "end"})
        world.workstream(queue.id, automatedMessages=GREETINGS, language="en")
        conversation = world.conversation("hi")
        assert world.get(conversation).state is S.CLOSED
        assert world.get(conversation).close_reason == "queue_closed"
        assert world.outbound_texts(conversation) == ["Hello!", "We are closed now."]

    def test_out_of_hours_transfer(self, world):
        night = world.queue("night")
        queue = world.queue(
            operatingHours=self.closed_now(world),
            outOfHours={"action": "transfer", "transferQueueId": night.id},
        )
        world.workstream(queue.id)
        conversation = world.conversation("hi")
        assert world.get(conversation).queue_id == night.id
        assert world.get(conversation).state is S.OPEN

    def test_out_of_hours_queue_anyway(self, world):
        queue = world.queue(operatingHours=self.closed_now(world))
        world.workstream(queue.id, automatedMessages=GREETINGS, language="en")
        conversation = world.conversation("hi")
        assert world.get(conversation).queue_id == queue.id
        assert "We are closed now." in world.outbound_texts(conversation)

    def test_holiday(self, world):
        today = now_utc(world).date().isoformat()
        queue = world.queue(
            operatingHours={"timeZone": "UTC", "holidays": [{"date": today, "name": "festival"}]},
            outOfHours={"action": "end"},
        )
        world.workstream(queue.id, automatedMessages=GREETINGS, language="en")
        conversation = world.conversation("hi")
        assert world.get(conversation).close_reason == "queue_holiday"
        assert world.outbound_texts(conversation) == ["Hello!", "Happy holiday, we are closed."]

    def test_overflow_end_and_transfer(self, world):
        spill = world.queue("spill")
        ended = world.queue("small", overflow={"maxWaiting": 1, "action": "end"})
        world.workstream(ended.id, automatedMessages=GREETINGS, language="en")
        first, second = world.conversation("1"), world.conversation("2")
        assert world.get(first).queue_id == ended.id
        assert world.get(second).state is S.CLOSED
        assert world.get(second).close_reason == "queue_overflow"
        assert "Too busy, please write later." in world.outbound_texts(second)

        moving = world.queue(
            "moving", overflow={"maxWaiting": 1, "action": "transfer", "transferQueueId": spill.id}
        )
        world.services.routing_admin.update_workstream(
            world.services.catalog.workstream_for_account(world.account.id).id,
            WorkstreamPatch(fallbackQueueId=moving.id),
        )
        world.services.catalog.forget()
        third, fourth = world.conversation("3"), world.conversation("4")
        assert world.get(third).queue_id == moving.id
        assert world.get(fourth).queue_id == spill.id

    def test_the_overflow_check_counts_up_to_the_limit_only(self, world):
        queue = world.queue("counted", overflow={"maxWaiting": 3, "action": "end"})
        world.workstream(queue.id)
        waiting = world.services.waiting
        assert waiting.has_at_least(queue.id, 0)
        assert not waiting.has_at_least(queue.id, 1)
        first, second = world.conversation("1"), world.conversation("2")
        assert waiting.has_at_least(queue.id, 2)
        assert not waiting.has_at_least(queue.id, 3)
        third, fourth = world.conversation("3"), world.conversation("4")
        assert [world.get(c).state for c in (first, second, third)] == [S.OPEN] * 3
        assert world.get(fourth).close_reason == "queue_overflow"

    def test_a_transfer_to_a_missing_queue_is_refused_and_not_saved(self, world):
        queue = world.queue("checked")
        patch = QueuePatch(
            overflow={"maxWaiting": 3, "action": "transfer", "transferQueueId": "gone"}
        )
        with pytest.raises(DomainError) as refused:
            world.services.routing_admin.update_queue(queue.id, patch)
        assert (status_of(refused.value), refused.value.field) == (400, "overflow.transferQueueId")
        stored = world.services.routing_admin.require(world.services.catalog.queues, queue.id, "")
        assert stored.overflow == queue.overflow

    def test_a_patch_refused_once_merged_names_the_field_as_the_request_spells_it(self, world):
        queue = world.queue("patched")
        workstream = world.workstream(queue.id)
        patch = WorkstreamPatch.model_validate({"autoCloseAfterInactivity": "PT30S"})
        with pytest.raises(DomainError) as refused:
            world.services.routing_admin.update_workstream(workstream.id, patch)
        assert (status_of(refused.value), refused.value.field) == (400, "autoCloseAfterInactivity")

    def test_queued_message_tells_the_position(self, world):
        queue = world.queue()
        world.workstream(queue.id, automatedMessages=GREETINGS, language="en")
        world.conversation("1")
        world.clock.advance(1)
        second = world.conversation("2")
        assert world.outbound_texts(second)[-1] == "You are number 2 in line."


class TestMethods:
    def test_highest_capacity_with_round_robin_between_equals(self, world):
        queue = world.queue(assignmentMethod="highestCapacity")
        world.workstream(queue.id)
        big = world.agent("big", [queue.id], capacity=3)
        small = world.agent("small", [queue.id], capacity=1)
        order = []
        for _ in range(4):
            conversation = world.conversation()
            assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
            order.append(world.get(conversation).agent_id)
            world.clock.advance(1)
        # Free capacity big 3, small 1: big, big (1 left); then a 1:1 tie goes to whoever waited
        # longest since an assignment (small, never assigned), then back to big.
        assert order == [big.id, big.id, small.id, big.id]

    def test_round_robin_takes_turns(self, world):
        queue = world.queue(assignmentMethod="roundRobin")
        world.workstream(queue.id)
        agents = [world.agent(name, [queue.id], capacity=5) for name in ("a", "b", "c")]
        order = []
        for _ in range(6):
            conversation = world.conversation()
            world.services.assign_step.assign(conversation)
            order.append(world.get(conversation).agent_id)
            world.clock.advance(1)
        ids = [a.id for a in agents]
        assert order[:3] == order[3:]
        assert sorted(order[:3]) == sorted(ids)

    def test_least_active_prefers_the_longest_idle(self, world):
        queue = world.queue(assignmentMethod="leastActive")
        world.workstream(queue.id)
        a, b = world.agent("a", [queue.id], capacity=1), world.agent("b", [queue.id], capacity=1)
        first, second = world.conversation(), world.conversation()
        world.services.assign_step.assign(first)
        world.services.assign_step.assign(second)
        holder = {world.get(first).agent_id: first, world.get(second).agent_id: second}
        # a frees capacity first, b later: a has been idle longest.
        world.services.desk.close(world.fresh_agent(a.id), holder[a.id], CloseRequest())
        world.clock.advance(60)
        world.services.desk.close(world.fresh_agent(b.id), holder[b.id], CloseRequest())
        world.clock.advance(1)
        third = world.conversation()
        world.services.assign_step.assign(third)
        assert world.get(third).agent_id == a.id

    def test_presence_and_capacity_are_respected(self, world):
        queue = world.queue()
        world.workstream(queue.id, allowedPresences=["available"], capacityUnits=2)
        world.agent("busy", [queue.id], capacity=4, presence="busy")
        world.agent("small", [queue.id], capacity=1)
        conversation = world.conversation()
        assert world.services.assign_step.assign(conversation) is Outcome.WAITING
        assert world.get(conversation).state is S.OPEN


class TestPickMode:
    def test_agents_list_and_pick(self, world):
        queue = world.queue()
        world.workstream(queue.id, distributionMode="pick")
        agent = world.agent("picker", [queue.id], capacity=1)
        other_queue_agent = world.agent("elsewhere", [world.queue("other").id])
        first = world.conversation("1")
        world.clock.advance(1)
        second = world.conversation("2")
        assert world.services.assign_step.assign(first) is Outcome.SKIPPED  # never pushed
        desk = world.services.desk
        assert [c.id for c in desk.queue(world.fresh_agent(agent.id))] == [first, second]
        assert desk.queue(world.fresh_agent(other_queue_agent.id)) == []

        picked = desk.pick(world.fresh_agent(agent.id), second)
        assert (picked.state, picked.agent_id) == (S.ACTIVE, agent.id)
        assert [c.id for c in desk.queue(world.fresh_agent(agent.id))] == [first]
        with pytest.raises(DomainError) as caught:
            desk.pick(world.fresh_agent(agent.id), first)
        assert (status_of(caught.value), caught.value.code) == (409, "no_capacity")
        with pytest.raises(DomainError) as caught:
            desk.pick(world.fresh_agent(agent.id), second)
        assert caught.value.code == "taken"
        with pytest.raises(DomainError) as caught:
            desk.pick(world.fresh_agent(other_queue_agent.id), first)
        assert status_of(caught.value) == 404


class TestAffinity:
    def test_a_returning_customer_goes_back_to_the_same_agent(self, world):
        queue = world.queue(assignmentMethod="roundRobin")
        world.workstream(queue.id, keepSameAgent=True)
        a, b = world.agent("a", [queue.id], capacity=5), world.agent("b", [queue.id], capacity=5)
        customer = world.customer()
        first = world.conversation(customer=customer)
        world.services.assign_step.assign(first)
        served_by = world.get(first).agent_id
        world.services.desk.close(world.fresh_agent(served_by), first, CloseRequest())
        world.clock.advance(10)
        for _ in range(3):
            again = world.conversation(customer=customer)
            world.services.assign_step.assign(again)
            assert world.get(again).agent_id == served_by
            world.services.desk.close(world.fresh_agent(served_by), again, CloseRequest())
            world.clock.advance(10)
        assert {a.id, b.id} >= {served_by}

    def test_without_keep_same_agent_the_method_decides(self, world):
        queue = world.queue(assignmentMethod="roundRobin")
        world.workstream(queue.id)
        world.agent("a", [queue.id], capacity=5)
        world.agent("b", [queue.id], capacity=5)
        customer = world.customer()
        served = []
        for _ in range(2):
            conversation = world.conversation(customer=customer)
            world.services.assign_step.assign(conversation)
            served.append(world.get(conversation).agent_id)
            world.services.desk.close(world.fresh_agent(served[-1]), conversation, CloseRequest())
            world.clock.advance(10)
        assert served[0] != served[1]


class TestLifecycle:
    @pytest.fixture
    def active(self, world):
        queue = world.queue()
        world.workstream(queue.id, automatedMessages=GREETINGS, language="en")
        agent = world.agent("Lin", [queue.id], capacity=2)
        customer = world.customer()
        conversation = world.conversation("help", customer=customer)
        assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
        return world, queue, agent, customer, conversation

    def test_assignment_holds_capacity_and_says_who(self, active):
        world, _, agent, _, conversation = active
        assert world.fresh_agent(agent.id).used_capacity == 1
        assert world.outbound_texts(conversation)[-1] == "Lin will help you."

    def test_park_frees_capacity_and_the_customer_revives_it(self, active):
        world, _, agent, customer, conversation = active
        parked = world.services.desk.park(world.fresh_agent(agent.id), conversation)
        assert parked.state is S.WAITING
        assert world.fresh_agent(agent.id).used_capacity == 0
        world.clock.advance(30)
        world.write(customer, customer.text("any news?"))
        assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
        assert (world.get(conversation).state, world.get(conversation).agent_id) == (
            S.ACTIVE,
            agent.id,
        )
        assert world.fresh_agent(agent.id).used_capacity == 1

    def test_wrap_up_then_close(self, active):
        world, _, agent, _, conversation = active
        desk = world.services.desk
        wrapped = desk.close(world.fresh_agent(agent.id), conversation, CloseRequest(wrap_up=True))
        assert wrapped.state is S.WRAPUP
        assert world.fresh_agent(agent.id).used_capacity == 1  # held while finishing notes
        closed = desk.close(world.fresh_agent(agent.id), conversation, CloseRequest())
        assert closed.state is S.CLOSED
        assert world.fresh_agent(agent.id).used_capacity == 0
        assert world.outbound_texts(conversation)[-1] == "Bye!"

    def test_transfer_to_a_queue_and_to_an_agent(self, active):
        world, _, agent, _, conversation = active
        desk = world.services.desk
        other_queue = world.queue("second line")
        specialist = world.agent("Wu", [other_queue.id], capacity=1)
        moved = desk.transfer(
            world.fresh_agent(agent.id), conversation, TransferRequest(queue_id=other_queue.id)
        )
        assert (moved.state, moved.queue_id, moved.agent_id) == (S.OPEN, other_queue.id, None)
        assert world.fresh_agent(agent.id).used_capacity == 0
        assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
        assert world.get(conversation).agent_id == specialist.id

        back = desk.transfer(
            world.fresh_agent(specialist.id), conversation, TransferRequest(agent_id=agent.id)
        )
        assert (back.state, back.agent_id) == (S.ACTIVE, agent.id)
        assert world.fresh_agent(specialist.id).used_capacity == 0
        assert world.fresh_agent(agent.id).used_capacity == 1
        assert world.outbound_texts(conversation)[-1] == "Lin will help you."

    def test_transfer_to_a_full_agent_is_refused(self, active):
        world, queue, agent, _, conversation = active
        full = world.agent("full", [queue.id], capacity=0)
        with pytest.raises(DomainError) as caught:
            world.services.desk.transfer(
                world.fresh_agent(agent.id), conversation, TransferRequest(agent_id=full.id)
            )
        assert status_of(caught.value) == 409
        assert world.get(conversation).agent_id == agent.id

    @pytest.mark.parametrize(
        "action",
        [
            lambda desk, agent, cid: desk.park(agent, cid),
            lambda desk, agent, cid: desk.close(agent, cid, CloseRequest(wrap_up=True)),
            lambda desk, agent, cid: desk.transfer(agent, cid, TransferRequest(queue_id="x")),
        ],
    )
    def test_illegal_transitions_answer_409(self, active, action):
        world, _, agent, _, conversation = active
        desk = world.services.desk
        desk.close(world.fresh_agent(agent.id), conversation, CloseRequest())
        with pytest.raises(DomainError) as caught:
            action(desk, world.fresh_agent(agent.id), conversation)
        assert status_of(caught.value) in (400, 409)
        assert world.get(conversation).state is S.CLOSED

    def test_wrapup_cannot_be_parked(self, active):
        world, _, agent, _, conversation = active
        desk = world.services.desk
        desk.close(world.fresh_agent(agent.id), conversation, CloseRequest(wrap_up=True))
        with pytest.raises(DomainError) as caught:
            desk.park(world.fresh_agent(agent.id), conversation)
        assert (status_of(caught.value), caught.value.code) == (409, "illegal_transition")

    def test_another_agent_cannot_touch_it(self, active):
        world, queue, _, _, conversation = active
        stranger = world.agent("stranger", [queue.id])
        with pytest.raises(DomainError) as caught:
            world.services.desk.close(world.fresh_agent(stranger.id), conversation, CloseRequest())
        assert status_of(caught.value) == 404

    def test_auto_close_after_inactivity(self, world):
        queue = world.queue()
        world.workstream(
            queue.id, autoCloseAfterInactivity="PT30M", automatedMessages=GREETINGS, language="en"
        )
        agent = world.agent("a", [queue.id])
        conversation = world.conversation()
        world.services.assign_step.assign(conversation)
        world.clock.advance(29 * 60)
        world.services.housekeeping.close_inactive()
        assert world.get(conversation).state is S.ACTIVE
        world.clock.advance(2 * 60)
        world.services.housekeeping.close_inactive()
        assert world.get(conversation).close_reason == "inactivity"
        assert world.fresh_agent(agent.id).used_capacity == 0
        assert world.outbound_texts(conversation)[-1] == "Bye!"

    def test_unsubscribe_frees_the_agent(self, active):
        world, _, agent, customer, conversation = active
        world.write(customer, customer.unsubscribe(create_time=int(world.clock()) + 1))
        assert world.get(conversation).state is S.CLOSED
        assert world.fresh_agent(agent.id).used_capacity == 0
        assert world.outbound_texts(conversation)[-1] != "Bye!"  # nothing reaches them now


class TestWaitingWork:
    def test_capacity_freed_serves_the_oldest_waiting(self, world):
        queue = world.queue()
        world.workstream(queue.id)
        agent = world.agent("solo", [queue.id], capacity=1)
        first = world.conversation("1")
        world.clock.advance(1)
        second = world.conversation("2")
        world.clock.advance(1)
        third = world.conversation("3")
        for conversation in (first, second, third):
            world.services.assign_step.assign(conversation)
        assert [world.get(c).state for c in (first, second, third)] == [S.ACTIVE, S.OPEN, S.OPEN]
        world.services.desk.close(world.fresh_agent(agent.id), first, CloseRequest())
        world.services.assign_step.drain_for_agent(agent.id)  # what the assign step does on release
        assert world.get(second).state is S.ACTIVE
        assert world.get(third).state is S.OPEN

    def test_higher_priority_queue_is_served_first(self, world):
        low, high = world.queue("low", priority=50), world.queue("high", priority=1)
        world.workstream(low.id, routingRules=[text_rule("urgent", "急", high.id)])
        agent = world.agent("both", [low.id, high.id], capacity=1, presence="offline")
        normal = world.conversation("normal")
        world.clock.advance(5)
        urgent = world.conversation("很急")
        world.services.desk.set_presence(
            world.fresh_agent(agent.id), PresenceChange(presence="available")
        )
        world.services.assign_step.drain_for_agent(agent.id)
        assert world.get(urgent).state is S.ACTIVE
        assert world.get(normal).state is S.OPEN

    def test_sweep_releases_orphan_holds_and_repairs_the_index(self, world):
        queue = world.queue()
        world.workstream(queue.id)
        agent = world.agent("a", [queue.id], capacity=1)
        conversation = world.conversation()
        # A worker reserved, then died before committing the conversation.
        assert world.services.assign_step.reserve(
            agent.id, world.get(conversation), 1, ["available"]
        )
        assert world.services.assign_step.assign(conversation) is Outcome.WAITING
        world.clock.advance(300)
        result = world.services.housekeeping.sweep_assignments()
        assert result["released"] >= 1
        assert world.get(conversation).state is S.ACTIVE
        assert world.get(conversation).agent_id == agent.id


def test_concurrent_workers_never_exceed_capacity_or_assign_twice(world):
    """8 workers, 60 conversations, 5 agents with capacity 2: exactly 10 active at once, no
    agent over capacity, none assigned twice, and all 60 served as agents close them."""
    queue = world.queue(assignmentMethod="highestCapacity")
    world.workstream(queue.id)
    agents = [world.agent(f"agent{i}", [queue.id], capacity=2) for i in range(5)]
    conversations = [world.conversation(f"c{i}") for i in range(60)]
    assign_step, desk = world.services.assign_step, world.services.desk
    barrier = threading.Barrier(8)

    def worker(batch: list[str]) -> None:
        barrier.wait()
        for conversation_id in batch:
            assign_step.assign(conversation_id)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(worker, [conversations[i::8] for i in range(8)]))

    def snapshot():
        states = {c: world.get(c) for c in conversations}
        active = [c for c in states.values() if c.state is S.ACTIVE]
        fresh = [world.fresh_agent(a.id) for a in agents]
        for agent in fresh:
            assert agent.used_capacity <= agent.capacity
            held = set(agent.holds)
            assert held == {c.id for c in active if c.agent_id == agent.id}
        return states, active

    _, active = snapshot()
    assert len(active) == 10
    served: dict[str, str] = {}
    rounds = 0
    while len(served) < 60:
        rounds += 1
        assert rounds < 100, "conversations stopped being served"
        _, active = snapshot()
        for conversation in active:
            assert conversation.id not in served, "assigned twice"
            served[conversation.id] = conversation.agent_id
        # Agents close what they have, in parallel; freed capacity drains the queue.
        with ThreadPoolExecutor(8) as pool:
            list(
                pool.map(
                    lambda c: desk.close(world.fresh_agent(c.agent_id), c.id, CloseRequest()),
                    active,
                )
            )
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda a: assign_step.drain_for_agent(a.id), agents))
    assert len(served) == 60
    assert all(world.get(c).state is S.CLOSED for c in conversations)


class TestCommitFailures:
    """Storage failing between reserving an agent's capacity and assigning the conversation."""

    def test_a_commit_storage_refused_gives_the_hold_back(self, world, monkeypatch):
        queue = world.queue()
        world.workstream(queue.id)
        lin = world.agent("Lin", [queue.id], capacity=1)
        conversation = world.conversation()
        conversations = world.services.conversations
        save = conversations.save

        def refused(current, **changes):
            if changes.get("agent_id"):
                raise ConnectionError("storage is away")
            return save(current, **changes)

        monkeypatch.setattr(conversations, "save", refused)
        with pytest.raises(ConnectionError):
            world.services.assign_step.assign(conversation)
        assert world.fresh_agent(lin.id).holds == {}
        monkeypatch.undo()
        # The queue message's rerun: Lin, whose only room the hold had taken, gets it.
        assert world.services.assign_step.assign(conversation) is Outcome.ASSIGNED
        assert world.get(conversation).agent_id == lin.id

    def test_a_commit_that_landed_before_storage_failed_keeps_its_hold(self, world, monkeypatch):
        queue = world.queue()
        world.workstream(queue.id)
        lin = world.agent("Lin", [queue.id], capacity=1)
        conversation = world.conversation()
        conversations = world.services.conversations

        def lost_after_landing(*args, **kwargs):
            raise ConnectionError("the answer was lost")

        # The conversation's write lands; what follows it fails.
        monkeypatch.setattr(conversations, "remember_agent", lost_after_landing)
        with pytest.raises(ConnectionError):
            world.services.assign_step.assign(conversation)
        assert world.get(conversation).agent_id == lin.id
        assert list(world.fresh_agent(lin.id).holds) == [conversation]
