"""The assign step on the store fakes: capacity and presence, exactly-once assignment, the
races it loses (between reserve and commit, on the agent's ETag, on every candidate), reviving,
closing, draining and the sweep. Azurite's versions, with real threads, are in
tests/integration/test_routing.py and test_assignment_bursts.py."""

from __future__ import annotations

import pytest

from shared.desk.work import CloseRequest, PresenceChange
from shared.model.agents import Presence
from shared.model.conversations import ConversationState as S
from shared.model.conversations import utc
from shared.pipeline import assign
from shared.pipeline.assign import HAND_BACK_DELAY, Outcome

MESSAGES = {"en": {"agentAssigned": "{AgentName} will help you.", "conversationClosed": "Bye!"}}


@pytest.fixture
def queue(world):
    queue = world.queue()
    world.workstream(queue.id, automatedMessages=MESSAGES, language="en")
    return queue


def test_an_assignment_holds_capacity_and_says_who(world, services, queue):
    lin = world.agent("Lin", [queue.id], capacity=2)
    conversation_id = world.conversation()
    assert services.assign_step.assign(conversation_id) is Outcome.ASSIGNED
    active = world.get(conversation_id)
    assert (active.state, active.agent_id) == (S.ACTIVE, lin.id)
    assert world.fresh_agent(lin.id).holds.keys() == {conversation_id}
    assert list(services.waiting.entries(queue.id)) == []
    assert world.outbound_texts(conversation_id)[-1] == "Lin will help you."
    assert services.conversations.customer(world.account_id, active.open_id).last_agent_id == lin.id


def test_used_capacity_never_exceeds_capacity(world, services, queue):
    solo = world.agent("solo", [queue.id], capacity=1)
    first, second = world.conversation("1"), world.conversation("2")
    assert services.assign_step.assign(first) is Outcome.ASSIGNED
    assert services.assign_step.assign(second) is Outcome.WAITING
    assert world.get(second).state is S.OPEN
    assert [e.conversation_id for e in services.waiting.entries(queue.id)] == [second]
    assert world.fresh_agent(solo.id).used_capacity == 1


def test_units_and_presence_decide_who_can_take_it(world, services):
    queue = world.queue()
    world.workstream(queue.id, allowedPresences=["available"], capacityUnits=2)
    world.agent("busy", [queue.id], capacity=4, presence="busy")
    world.agent("small", [queue.id], capacity=1)
    conversation_id = world.conversation()
    assert services.assign_step.assign(conversation_id) is Outcome.WAITING
    roomy = world.agent("roomy", [queue.id], capacity=2)
    assert services.assign_step.assign(conversation_id) is Outcome.ASSIGNED
    assert world.fresh_agent(roomy.id).used_capacity == 2


def test_a_disabled_agent_gets_nothing_whatever_the_index_says(world, services, queue):
    agent = world.agent("gone", [queue.id], capacity=3)
    # Disabled behind the index's back: its availability row still lists it.
    services.agents.update(agent.id, lambda a: a.model_copy(update={"disabled": True}))
    conversation_id = world.conversation()
    assert services.assign_step.assign(conversation_id) is Outcome.WAITING
    assert world.fresh_agent(agent.id).holds == {}


def test_a_conversation_is_assigned_once(world, services, queue):
    a = world.agent("a", [queue.id], capacity=5)
    b = world.agent("b", [queue.id], capacity=5)
    conversation_id = world.conversation()
    assert services.assign_step.assign(conversation_id) is Outcome.ASSIGNED
    assert services.assign_step.assign(conversation_id) is Outcome.SKIPPED
    holders = [x.id for x in (a, b) if conversation_id in world.fresh_agent(x.id).holds]
    assert holders == [world.get(conversation_id).agent_id]


def test_losing_the_commit_gives_the_hold_back(world, services, queue):
    """Another step assigns the conversation between this one's reserve and its commit."""
    mine = world.agent("mine", [queue.id], capacity=1)
    theirs = world.agent("theirs", [queue.id], capacity=1, presence="offline")
    conversation_id = world.conversation()

    def other_step() -> None:
        services.conversations.change(
            conversation_id, lambda c: {"state": S.ACTIVE, "agent_id": theirs.id}
        )

    services.conversations.before_next_save(conversation_id, other_step)
    services.assign_queue.clear()
    assert services.assign_step.assign(conversation_id) is Outcome.SKIPPED
    assert world.get(conversation_id).agent_id == theirs.id
    assert world.fresh_agent(mine.id).holds == {}
    assert services.assign_queue.peek() == [{"agentId": mine.id}]  # its capacity serves others


def test_losing_the_agents_last_capacity_moves_on_to_the_next(world, services, queue):
    world.agent("one", [queue.id], capacity=1)
    world.agent("two", [queue.id], capacity=1)
    first, second = services.availability.candidates(
        queue.id, units=1, presences=[Presence.AVAILABLE]
    )
    conversation_id, elsewhere = world.conversation(), world.get(world.conversation())

    def other_step() -> None:  # takes first's only unit between our read and our write
        services.assign_step.reserve(first, elsewhere, 1, ["available"])

    services.agents.before_next_write(other_step, first)
    assert services.assign_step.assign(conversation_id) is Outcome.ASSIGNED
    assert world.get(conversation_id).agent_id == second
    assert world.fresh_agent(first).holds.keys() == {elsewhere.id}


def test_a_step_that_loses_every_race_hands_the_work_back(world, services, queue, monkeypatch):
    agent = world.agent("contended", [queue.id], capacity=5)
    conversation_id = world.conversation()
    monkeypatch.setattr(assign.time, "sleep", lambda seconds: None)

    def other_steps() -> None:  # someone else always writes the agent first
        services.agents.update(agent.id, lambda a: a.model_copy(update={"updated_at": utc(0)}))
        services.agents.before_next_write(other_steps, agent.id)

    services.agents.before_next_write(other_steps, agent.id)
    services.assign_queue.clear()
    assert services.assign_step.assign(conversation_id) is Outcome.HANDED_BACK
    assert world.get(conversation_id).state is S.OPEN
    assert services.assign_queue.peek() == []  # after a short delay, not at once
    world.clock.advance(HAND_BACK_DELAY)
    assert services.assign_queue.peek() == [{"conversationId": conversation_id}]


def test_a_parked_conversation_goes_back_to_its_agent_or_to_the_line(world, services, queue):
    lin = world.agent("Lin", [queue.id], capacity=1)
    conversation_id = world.conversation()
    services.assign_step.assign(conversation_id)
    services.desk.park(world.fresh_agent(lin.id), conversation_id)
    assert services.assign_step.assign(conversation_id) is Outcome.ASSIGNED  # the customer wrote
    assert (world.get(conversation_id).state, world.get(conversation_id).agent_id) == (
        S.ACTIVE,
        lin.id,
    )

    services.desk.park(world.fresh_agent(lin.id), conversation_id)
    other = world.conversation()
    services.assign_step.assign(other)  # Lin's one unit is taken meanwhile
    assert services.assign_step.assign(conversation_id) is Outcome.WAITING
    reopened = world.get(conversation_id)
    assert (reopened.state, reopened.agent_id, reopened.previous_agent_id) == (S.OPEN, None, lin.id)
    assert conversation_id not in world.fresh_agent(lin.id).parked
    assert [e.conversation_id for e in services.waiting.entries(queue.id)] == [conversation_id]


def test_closing_frees_the_agent_and_the_customer(world, services, queue):
    lin = world.agent("Lin", [queue.id], capacity=1)
    conversation_id = world.conversation()
    services.assign_step.assign(conversation_id)
    services.assign_queue.clear()
    closed = services.assign_step.close(world.get(conversation_id), reason="test", farewell=True)
    assert (closed.state, closed.close_reason) == (S.CLOSED, "test")
    assert world.fresh_agent(lin.id).holds == {}
    assert services.conversations.current(world.account_id, closed.open_id) is None
    assert world.outbound_texts(conversation_id)[-1] == "Bye!"
    assert services.assign_queue.peek() == [{"agentId": lin.id}]


def test_freed_capacity_serves_the_more_urgent_queue_then_the_oldest(world, services):
    low, high = world.queue("low", priority=50), world.queue("high", priority=1)
    world.workstream(
        low.id,
        routingRules=[
            {
                "name": "urgent",
                "condition": {"field": "message.text", "op": "contains", "value": "急"},
                "queueId": high.id,
            }
        ],
    )
    agent = world.agent("both", [low.id, high.id], capacity=2, presence="offline")
    older = world.conversation("normal")
    world.clock.advance(5)
    newer = world.conversation("normal too")
    world.clock.advance(5)
    urgent = world.conversation("很急")
    services.desk.set_presence(world.fresh_agent(agent.id), PresenceChange(presence="available"))
    assert services.assign_step.drain_for_agent(agent.id) == 2
    assert [world.get(c).state for c in (urgent, older, newer)] == [S.ACTIVE, S.ACTIVE, S.OPEN]


def test_the_sweep_releases_old_holds_nothing_backs(world, services, queue):
    agent = world.agent("a", [queue.id], capacity=2)
    orphan = world.get(world.conversation())
    # A worker reserved, then died before committing.
    assert services.assign_step.reserve(agent.id, orphan, 1, ["available"])
    world.clock.advance(60)
    assert services.assign_step.release_orphan_holds() == 0  # young: may still be committing
    world.clock.advance(120)
    assert services.assign_step.release_orphan_holds() == 1
    assert world.fresh_agent(agent.id).holds == {}


def test_a_returning_customer_goes_back_to_the_same_agent(world, services):
    queue = world.queue(assignmentMethod="roundRobin")
    world.workstream(queue.id, keepSameAgent=True)
    agents = [world.agent(name, [queue.id], capacity=5) for name in ("a", "b", "c")]
    first = world.conversation(open_id="regular")
    services.assign_step.assign(first)
    served_by = world.get(first).agent_id
    services.desk.close(world.fresh_agent(served_by), first, CloseRequest())
    for _ in range(3):
        world.clock.advance(10)
        again = world.conversation(open_id="regular")
        services.assign_step.assign(again)
        assert world.get(again).agent_id == served_by
        services.desk.close(world.fresh_agent(served_by), again, CloseRequest())
    assert served_by in {a.id for a in agents}
