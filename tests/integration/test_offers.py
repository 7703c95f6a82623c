"""Offer mode on Azurite: a conversation is offered to one agent at a time (capacity held), who
accepts or declines it; a decline or a timeout moves it on to the next agent, maxDeclines
skips an agent, and concurrent assign workers never offer a conversation to two agents at once
nor overrun anyone's capacity."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from shared.core.errors import OfferGoneError
from shared.model.conversations import ConversationState as S
from shared.model.timeline import EventKind
from shared.pipeline.assign import Outcome


def offer_world(world: Any, agents: int = 2, capacity: int = 1, **settings: Any) -> list[Any]:
    queue = world.queue(assignmentMethod="roundRobin")
    world.workstream(
        queue.id,
        assignmentMode="offer",
        automatedMessages={"zh-CN": {"agentAssigned": "{AgentName} 为您服务"}},
        **settings,
    )
    return [world.agent(f"agent{i}", [queue.id], capacity=capacity) for i in range(agents)]


def offered(world: Any, conversation_id: str) -> str:
    """The agent the conversation is offered to now (asserting that it is offered)."""
    conversation = world.get(conversation_id)
    assert conversation.state is S.OPEN
    assert conversation.offer is not None, "not offered"
    return conversation.offer.agent_id


def agent_of(agents: list[Any], agent_id: str) -> Any:
    return next(a for a in agents if a.id == agent_id)


def other(agents: list[Any], agent_id: str) -> Any:
    return next(a for a in agents if a.id != agent_id)


def test_an_offer_holds_capacity_and_accept_makes_the_conversation_the_agents(world):
    agents = offer_world(world, agents=1, capacity=1)
    conversation = world.conversation("我要退款")
    world.services.assign_step.assign(conversation)
    agent_id = offered(world, conversation)
    assert agent_id == agents[0].id
    agent = world.fresh_agent(agent_id)
    assert agent.used_capacity == 1, "the offer holds the agent's capacity"
    assert agent.holds[conversation].offered_until == world.get(conversation).offer.expires_at
    offers = world.services.offers.offers(agent)
    assert [o.conversation_id for o in offers] == [conversation]
    assert offers[0].first_line.text == "我要退款"
    assert "agentAssigned" not in str(world.outbound_texts(conversation))

    active = world.services.offers.accept(agent, conversation)
    assert active.state is S.ACTIVE
    assert active.agent_id == agent_id
    assert active.offer is None
    assert world.fresh_agent(agent_id).holds[conversation].offered_until is None
    assert world.outbound_texts(conversation)[-1] == "agent0 为您服务"
    kinds = [(e.kind, e.outcome) for e in world.services.timeline.events(conversation)]
    assert (EventKind.OFFERED, "offered") in kinds
    assert kinds.index((EventKind.OFFERED, "offered")) < kinds.index((EventKind.ASSIGNED, "agent0"))
    with pytest.raises(OfferGoneError):
        world.services.offers.accept(agent, conversation)  # answered already


def test_the_offered_conversation_is_not_in_the_agents_list_but_in_its_offers(world):
    from shared.desk.workspace import Actor

    offer_world(world, agents=1, capacity=2)
    conversation = world.conversation()
    world.services.assign_step.assign(conversation)
    agent = world.fresh_agent(offered(world, conversation))
    assert world.services.workspace.conversations(Actor(agent)) == []
    assert len(world.services.offers.offers(agent)) == 1


def test_a_decline_moves_the_conversation_to_the_next_agent(world):
    agents = offer_world(world, agents=2, capacity=1)
    conversation = world.conversation()
    world.services.assign_step.assign(conversation)
    first = offered(world, conversation)
    declined = world.services.offers.decline(world.fresh_agent(first), conversation)
    assert declined.offer is None
    assert declined.declines == {first: 1}
    assert world.fresh_agent(first).holds == {}, "the decline gives the capacity back"

    assert world.services.assign_step.assign(conversation) is Outcome.OFFERED
    second = offered(world, conversation)
    assert second == other(agents, first).id
    with pytest.raises(OfferGoneError) as refused:
        world.services.offers.accept(world.fresh_agent(first), conversation)
    assert refused.value.code == "not_offered"
    world.services.offers.accept(world.fresh_agent(second), conversation)
    assert world.get(conversation).agent_id == second
    outcomes = [e.outcome for e in world.services.timeline.events(conversation)]
    assert "declined" in outcomes


def test_max_declines_skips_the_agent_for_that_conversation(world):
    agents = offer_world(world, agents=1, capacity=1, maxDeclines=2)
    agent = agents[0]
    conversation = world.conversation()
    world.services.assign_step.assign(conversation)
    world.services.offers.decline(world.fresh_agent(agent.id), conversation)
    assert world.services.assign_step.assign(conversation) is Outcome.OFFERED, "once is not twice"
    world.services.offers.decline(world.fresh_agent(agent.id), conversation)
    assert world.services.assign_step.assign(conversation) is Outcome.WAITING
    assert world.get(conversation).offer is None
    assert world.fresh_agent(agent.id).holds == {}
    # Another conversation still goes to that agent.
    second = world.conversation("two")
    world.services.assign_step.assign(second)
    assert offered(world, second) == agent.id


def test_a_timeout_moves_the_offer_on_and_a_late_accept_is_refused(world):
    agents = offer_world(world, agents=2, capacity=1, offerTimeout="PT20S")
    conversation = world.conversation()
    world.services.assign_step.assign(conversation)
    first = offered(world, conversation)
    assert world.services.assign_step.assign(conversation) is Outcome.SKIPPED, "still its time"

    world.clock.advance(21)
    with pytest.raises(OfferGoneError) as late:
        world.services.offers.accept(world.fresh_agent(first), conversation)
    assert late.value.code == "offer_expired"
    assert world.services.assign_step.assign(conversation) is Outcome.OFFERED
    second = offered(world, conversation)
    assert second == other(agents, first).id
    stored = world.get(conversation)
    assert stored.expired_offers == {first: 1}
    assert stored.declines == {}
    assert world.fresh_agent(first).holds == {}
    with pytest.raises(OfferGoneError) as again:
        world.services.offers.accept(world.fresh_agent(first), conversation)
    assert again.value.code == "offer_expired"
    events = world.services.timeline.events(conversation)
    expired = [e for e in events if e.outcome == "expired"]
    assert len(expired) == 1
    assert expired[0].details.agent_id == first


def test_the_offer_schedules_its_own_timeout(world, monkeypatch):
    """A delayed assign request comes back when the offer runs out (so a 30 s timeout does
    not wait for the minute's sweep)."""
    offer_world(world, agents=1, capacity=1, offerTimeout="PT15S")
    conversation = world.conversation()
    queue = world.services.assign_step._assign_queue
    put = queue.put
    delays: list[tuple[Any, int | None]] = []

    def spy(item: Any, delay_seconds: int | None = None) -> Any:
        delays.append((item, delay_seconds))
        return put(item, delay_seconds=delay_seconds)

    monkeypatch.setattr(queue, "put", spy)
    world.services.assign_step.assign(conversation)
    offered(world, conversation)
    assert [(i.conversation_id, d) for i, d in delays] == [(conversation, 16)]


def test_the_minute_sweep_expires_offers_whose_timeout_was_missed(world):
    agents = offer_world(world, agents=2, capacity=1)
    conversation = world.conversation()
    world.services.assign_step.assign(conversation)
    first = offered(world, conversation)
    world.clock.advance(31)
    result = world.services.housekeeping.sweep_assignments()
    assert result["offersExpired"] >= 1  # other tests' offers share the storage
    assert offered(world, conversation) == other(agents, first).id
    assert world.fresh_agent(first).holds == {}


def test_a_pick_by_another_agent_ends_the_offer_and_its_hold(world):
    agents = offer_world(world, agents=2, capacity=1)
    conversation = world.conversation()
    world.services.assign_step.assign(conversation)
    first = offered(world, conversation)
    picker = world.fresh_agent(other(agents, first).id)
    world.services.desk.pick(picker, conversation)
    assert world.get(conversation).agent_id == picker.id
    assert world.fresh_agent(first).holds == {}


def test_closing_an_offered_conversation_gives_the_hold_back(world):
    from shared.desk.work import CloseRequest

    offer_world(world, agents=1, capacity=1)
    conversation = world.conversation()
    world.services.assign_step.assign(conversation)
    agent_id = offered(world, conversation)
    world.services.desk.close_as_admin(conversation, CloseRequest())
    assert world.fresh_agent(agent_id).holds == {}


def check_invariants(world: Any, agents: list[Any], conversations: list[str]) -> dict[str, Any]:
    """No capacity overrun, every hold backed by exactly one conversation (offered to or
    held by that agent), and no conversation offered or held twice."""
    stored = {c: world.get(c) for c in conversations}
    holders: dict[str, list[str]] = {c: [] for c in conversations}
    for agent in (world.fresh_agent(a.id) for a in agents):
        assert agent.used_capacity <= agent.capacity, f"{agent.id} overrun"
        for conversation_id, hold in agent.holds.items():
            holders[conversation_id].append(agent.id)
            conversation = stored[conversation_id]
            if hold.offered_until is not None:
                assert conversation.offer is not None
                assert conversation.offer.agent_id == agent.id
            else:
                assert conversation.agent_id == agent.id
                assert conversation.state is S.ACTIVE
    for conversation_id, ids in holders.items():
        assert len(ids) <= 1, f"{conversation_id} is held by {ids}"
        conversation = stored[conversation_id]
        if conversation.offer is not None:
            assert ids == [conversation.offer.agent_id], f"{conversation_id}: offer without hold"
        if conversation.state is S.ACTIVE:
            assert ids == [conversation.agent_id]
    return stored


def test_concurrent_assign_workers_offer_each_conversation_to_one_agent_at_a_time(world):
    """12 conversations, 3 agents of capacity 2, assign workers (threads) running each
    conversation's request three times at once, while agents decline and accept their offers
    and the sweep expires the rest: at every check, no conversation is offered to two agents,
    none is both offered and active, and no agent holds more than its capacity."""
    agents = offer_world(world, agents=3, capacity=2, maxDeclines=2)
    conversations = [world.conversation(f"c{i}") for i in range(12)]
    step = world.services.assign_step
    barrier = threading.Barrier(36)

    def run(conversation_id: str) -> Outcome:
        barrier.wait()
        return step.assign(conversation_id)

    with ThreadPoolExecutor(36) as pool:
        outcomes = list(pool.map(run, conversations * 3))
    assert outcomes.count(Outcome.OFFERED) <= 6
    check_invariants(world, agents, conversations)
    # A loser's hold, given back, may have made an agent look full for a moment: its release
    # asks to serve that agent (an assign request per agent), as these drains do.
    for agent in agents:
        step.drain_for_agent(agent.id)
    stored = check_invariants(world, agents, conversations)
    offers = [c for c in stored.values() if c.offer is not None]
    assert len(offers) == 6, "every agent's capacity is offered, and no more"

    # Agents decline half of their offers and accept the others, while workers keep assigning.
    rng = random.Random(7)
    failures: list[BaseException] = []

    def answer(conversation: Any) -> None:
        agent = world.fresh_agent(conversation.offer.agent_id)
        try:
            if rng.random() < 0.5:
                world.services.offers.decline(agent, conversation.id)
            else:
                world.services.offers.accept(agent, conversation.id)
        except OfferGoneError as error:  # not expected: the offers are fresh
            failures.append(error)

    def work(conversation_id: str) -> None:
        step.assign(conversation_id)

    with ThreadPoolExecutor(16) as pool:
        answers = [pool.submit(answer, c) for c in offers]
        workers = [pool.submit(work, c) for c in conversations * 2]
        for future in answers + workers:
            future.result()
    assert failures == []
    check_invariants(world, agents, conversations)

    # Whatever is still offered runs out; the sweeps and workers race to move it on.
    world.clock.advance(31)
    with ThreadPoolExecutor(8) as pool:
        sweeps = [pool.submit(world.services.housekeeping.sweep_assignments) for _ in range(2)]
        workers = [pool.submit(work, c) for c in conversations]
        for future in sweeps + workers:
            future.result()
    stored = check_invariants(world, agents, conversations)
    for conversation in stored.values():
        assert all(count <= 2 for count in conversation.declines.values())
        if conversation.offer is not None:  # offered anew after the clock moved
            assert not conversation.offer.expired(world.get(conversation.id).updated_at)


def test_two_agents_answering_the_same_offer_at_once_one_wins(world):
    agents = offer_world(world, agents=2, capacity=1)
    conversation = world.conversation()
    world.services.assign_step.assign(conversation)
    first = offered(world, conversation)
    offered_agent = world.fresh_agent(first)
    intruder = world.fresh_agent(other(agents, first).id)
    results: list[str] = []

    def try_accept(agent: Any) -> None:
        try:
            world.services.offers.accept(agent, conversation)
            results.append(agent.id)
        except OfferGoneError:
            results.append("refused")

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(try_accept, [offered_agent, intruder, offered_agent, intruder]))
    assert sorted(results) == sorted([first, "refused", "refused", "refused"])
    assert world.get(conversation).agent_id == first
    assert world.fresh_agent(first).used_capacity == 1
    assert agent_of(agents, intruder.id)
