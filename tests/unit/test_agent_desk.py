"""The agent's desk on the store fakes: presence, the queue to pick from, pick (and losing a
pick), park, close, and transfers to a queue or an agent, with the refusals an agent sees.
Errors are checked by their ``code``, what the API answers."""

from __future__ import annotations

import pytest

from shared.core.errors import DomainError
from shared.desk.work import CloseRequest, PresenceChange, TransferRequest
from shared.model.agents import Presence
from shared.model.conversations import ConversationState as S
from shared.pipeline.assign import Outcome
from triggers.errors import status_of


def text_rule(name: str, word: str, queue_id: str) -> dict:
    condition = {"field": "message.text", "op": "contains", "value": word}
    return {"name": name, "condition": condition, "queueId": queue_id}


def refused(call) -> tuple[int, str]:
    with pytest.raises(DomainError) as caught:
        call()
    return status_of(caught.value), caught.value.code


@pytest.fixture
def pick_queue(world):
    queue = world.queue()
    world.workstream(queue.id, distributionMode="pick")
    return queue


@pytest.fixture
def active(world, services):
    """Agent Lin (capacity 2) in an active conversation: (queue, Lin, conversation id)."""
    queue = world.queue()
    world.workstream(queue.id)
    lin = world.agent("Lin", [queue.id], capacity=2)
    conversation_id = world.conversation()
    assert services.assign_step.assign(conversation_id) is Outcome.ASSIGNED
    return queue, lin, conversation_id


def test_presence_lists_the_agent_for_work_and_asks_for_some(world, services, pick_queue):
    agent = world.agent("a", [pick_queue.id], presence="offline")
    assert services.availability.candidates(pick_queue.id, units=1, presences=list(Presence)) == []
    services.assign_queue.clear()
    services.desk.set_presence(agent, PresenceChange(presence="busy"))
    assert services.availability.candidates(pick_queue.id, units=1, presences=list(Presence)) == [
        agent.id
    ]
    assert services.assign_queue.peek() == [{"agentId": agent.id}]
    services.desk.set_presence(world.fresh_agent(agent.id), PresenceChange(presence="offline"))
    assert services.availability.candidates(pick_queue.id, units=1, presences=list(Presence)) == []


def test_a_disabled_agent_stays_offline_and_an_unknown_one_is_not_found(world, services):
    queue = world.queue()
    agent = world.agent("a", [queue.id], presence="offline")
    services.agents.update(agent.id, lambda a: a.model_copy(update={"disabled": True}))
    kept = services.desk.set_presence(agent, PresenceChange(presence="available"))
    assert kept.presence is Presence.OFFLINE
    stranger = agent.model_copy(update={"id": "nobody"})
    busy = PresenceChange(presence="busy")
    assert refused(lambda: services.desk.set_presence(stranger, busy)) == (404, "not_found")


def test_the_queue_lists_waiting_work_most_urgent_queue_first(world, services):
    low, high, other = (
        world.queue("low", priority=50),
        world.queue("high", priority=1),
        world.queue(),
    )
    rules = [text_rule("urgent", "急", high.id), text_rule("other", "别", other.id)]
    world.workstream(low.id, distributionMode="pick", routingRules=rules)
    agent = world.agent("a", [low.id, high.id])
    normal = world.conversation("normal")
    world.clock.advance(1)
    urgent = world.conversation("很急")
    world.conversation("别的")  # waits in a queue the agent is not in
    assert [c.id for c in services.desk.queue(world.fresh_agent(agent.id))] == [urgent, normal]


def test_pick_takes_it_and_refuses_what_cannot_be_taken(world, services, pick_queue):
    agent = world.agent("picker", [pick_queue.id], capacity=1)
    outsider = world.agent("outsider", [world.queue("other").id])
    first = world.conversation("1")
    world.clock.advance(1)
    second = world.conversation("2")
    assert services.assign_step.assign(first) is Outcome.SKIPPED  # pick mode: never pushed

    picked = services.desk.pick(world.fresh_agent(agent.id), second)
    assert (picked.state, picked.agent_id) == (S.ACTIVE, agent.id)
    assert [c.id for c in services.desk.queue(world.fresh_agent(agent.id))] == [first]
    pick = services.desk.pick
    assert refused(lambda: pick(world.fresh_agent(agent.id), first)) == (409, "no_capacity")
    assert refused(lambda: pick(world.fresh_agent(agent.id), second)) == (409, "taken")
    assert refused(lambda: pick(world.fresh_agent(outsider.id), first))[0] == 404


def test_a_presence_that_may_not_take_work_cannot_pick(world, services, pick_queue):
    agent = world.agent("away", [pick_queue.id], presence="away")
    conversation_id = world.conversation()
    assert refused(lambda: services.desk.pick(agent, conversation_id)) == (409, "presence")


def test_losing_a_pick_to_another_agent_gives_the_hold_back(world, services, pick_queue):
    mine = world.agent("mine", [pick_queue.id], capacity=1)
    theirs = world.agent("theirs", [pick_queue.id], capacity=1)
    conversation_id = world.conversation()

    def other_agent_picks() -> None:
        services.desk.pick(world.fresh_agent(theirs.id), conversation_id)

    services.conversations.before_next_save(conversation_id, other_agent_picks)
    assert refused(lambda: services.desk.pick(world.fresh_agent(mine.id), conversation_id)) == (
        409,
        "taken",
    )
    assert world.get(conversation_id).agent_id == theirs.id
    assert world.fresh_agent(mine.id).holds == {}


def test_a_pick_tells_the_agents_console(world, services, pick_queue):
    agent = world.agent("picker", [pick_queue.id])
    conversation_id = world.conversation()
    cursor = services.feed.poll(world.fresh_agent(agent.id), None).cursor
    services.desk.pick(world.fresh_agent(agent.id), conversation_id)
    assert set(services.feed.poll(world.fresh_agent(agent.id), cursor).changed) == {
        "agent",
        "waiting",
    }


def test_park_frees_capacity_and_keeps_it_on_the_agents_list(world, services, active):
    _, lin, conversation_id = active
    parked = services.desk.park(world.fresh_agent(lin.id), conversation_id)
    assert parked.state is S.WAITING
    agent = world.fresh_agent(lin.id)
    assert (agent.used_capacity, agent.parked) == (0, [conversation_id])


def test_wrap_up_holds_capacity_until_the_second_close(world, services, active):
    _, lin, conversation_id = active
    desk = services.desk
    wrapped = desk.close(world.fresh_agent(lin.id), conversation_id, CloseRequest(wrap_up=True))
    assert wrapped.state is S.WRAPUP
    assert world.fresh_agent(lin.id).used_capacity == 1
    assert refused(lambda: desk.park(world.fresh_agent(lin.id), conversation_id)) == (
        409,
        "illegal_transition",
    )
    closed = desk.close(world.fresh_agent(lin.id), conversation_id, CloseRequest())
    assert (closed.state, closed.close_reason) == (S.CLOSED, "agent_closed")
    assert world.fresh_agent(lin.id).used_capacity == 0


def test_only_the_holder_may_act_on_it(world, services, active):
    queue, _, conversation_id = active
    stranger = world.agent("stranger", [queue.id])
    assert refused(lambda: services.desk.close(stranger, conversation_id, CloseRequest()))[0] == 404
    assert world.get(conversation_id).state is S.ACTIVE


def test_a_transfer_to_a_queue_frees_the_agent_and_queues_it_there(world, services, active):
    _, lin, conversation_id = active
    second_line = world.queue("second line")
    services.assign_queue.clear()
    moved = services.desk.transfer(
        world.fresh_agent(lin.id), conversation_id, TransferRequest(queue_id=second_line.id)
    )
    assert (moved.state, moved.queue_id, moved.agent_id) == (S.OPEN, second_line.id, None)
    assert world.fresh_agent(lin.id).used_capacity == 0
    assert [e.conversation_id for e in services.waiting.entries(second_line.id)] == [
        conversation_id
    ]
    assert {"conversationId": conversation_id} in services.assign_queue.peek()
    assert refused(
        lambda: services.desk.transfer_as_admin(
            conversation_id, TransferRequest(queue_id=second_line.id)
        )
    ) == (409, "same_queue")
    assert refused(
        lambda: services.desk.transfer_as_admin(conversation_id, TransferRequest(queue_id="gone"))
    ) == (400, "unknown_reference")


def test_a_transfer_to_an_agent_moves_the_hold(world, services, active):
    _, lin, conversation_id = active
    wu = world.agent("Wu", [world.queue("elsewhere").id], capacity=1)  # any queue of theirs
    moved = services.desk.transfer(
        world.fresh_agent(lin.id), conversation_id, TransferRequest(agent_id=wu.id)
    )
    assert (moved.state, moved.agent_id) == (S.ACTIVE, wu.id)
    assert world.fresh_agent(lin.id).holds == {}
    assert world.fresh_agent(wu.id).holds.keys() == {conversation_id}


def test_a_transfer_to_an_agent_who_cannot_take_it_is_refused(world, services, active):
    queue, lin, conversation_id = active
    full = world.agent("full", [queue.id], capacity=0)
    disabled = world.agent("disabled", [queue.id], disabled=True)

    def transfer_to(target) -> tuple[int, str]:
        request = TransferRequest(agent_id=target.id)
        return refused(
            lambda: services.desk.transfer(world.fresh_agent(lin.id), conversation_id, request)
        )

    assert transfer_to(full) == (409, "no_capacity")
    assert transfer_to(disabled) == (409, "agent_disabled")
    assert transfer_to(lin) == (409, "same_agent")
    assert world.get(conversation_id).agent_id == lin.id
    assert world.fresh_agent(lin.id).holds.keys() == {conversation_id}


def test_a_pick_and_a_transfer_take_an_item_of_the_workstreams_profile(world, services):
    """Picks and transfers to an agent reserve as assignment does: the profile's item too."""
    from shared.model.capacity_profiles import CapacityProfile
    from shared.model.conversations import utc

    now = utc(world.clock())
    profile = CapacityProfile(id="chat", name="chat", max_items=1, created_at=now, updated_at=now)
    services.profiles.create(profile)
    queue = world.queue()
    world.workstream(queue.id, distributionMode="pick", capacityProfileId="chat")
    agent = world.agent("picker", [queue.id], capacity=5, capacityProfileIds=["chat"])
    other = world.agent("other", [queue.id], capacity=5)  # does not hold the profile
    first, second = world.conversation("1"), world.conversation("2")

    picked = services.desk.pick(world.fresh_agent(agent.id), first)
    assert world.fresh_agent(agent.id).holds[picked.id].profile_id == "chat"
    pick = services.desk.pick
    assert refused(lambda: pick(world.fresh_agent(agent.id), second)) == (409, "no_capacity")
    assert refused(lambda: pick(world.fresh_agent(other.id), second)) == (409, "no_capacity")
    move = TransferRequest(agent_id=other.id)
    assert refused(lambda: services.desk.transfer(world.fresh_agent(agent.id), first, move)) == (
        409,
        "no_capacity",
    )
