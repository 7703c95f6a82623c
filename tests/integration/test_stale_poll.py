"""Automatic presence on Azurite: a console that stops polling the change feed for 150 s takes
its agent out of routing (their conversations stay), polling again brings it back, a poll is
written at most every 30 s, and polls racing the assign step never overrun capacity. Quiet
consoles leave the availability index, so however many there are they never crowd out the
agents still working."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from shared.desk.workspace import Actor
from shared.model.agents import Presence
from shared.pipeline.assign import CANDIDATES, Outcome


def poll(world, agent_id: str) -> None:
    world.services.workspace.changes(Actor(world.fresh_agent(agent_id)), None)


def test_a_quiet_console_is_offline_for_routing_until_it_polls_again(world):
    queue = world.queue()
    world.workstream(queue.id)
    quiet = world.agent("Quiet", [queue.id], capacity=5)
    busy = world.agent("Keen", [queue.id], capacity=2)
    poll(world, quiet.id)
    first = world.conversation("one")
    assert world.services.assign_step.assign(first) is Outcome.ASSIGNED
    assert world.get(first).agent_id == quiet.id  # most free capacity wins while polling

    world.clock.advance(151)
    poll(world, busy.id)
    second = world.conversation("two")
    assert world.services.assign_step.assign(second) is Outcome.ASSIGNED
    assert world.get(second).agent_id == busy.id
    assert world.get(first).agent_id == quiet.id, "their conversations stay"
    overview = world.services.supervision.overview(Actor(None))
    shown = {a.id: a.shown_presence for a in overview.agents}
    assert shown[quiet.id] is Presence.OFFLINE
    assert world.fresh_agent(quiet.id).presence is Presence.AVAILABLE, "their choice is kept"

    poll(world, quiet.id)
    third = world.conversation("three")
    assert world.services.assign_step.assign(third) is Outcome.ASSIGNED
    assert world.get(third).agent_id == quiet.id


def test_a_poll_is_written_at_most_every_thirty_seconds(world):
    queue = world.queue()
    agent = world.agent("Lin", [queue.id])
    poll(world, agent.id)
    written = world.fresh_agent(agent.id).last_polled_at
    world.clock.advance(20)
    poll(world, agent.id)
    assert world.fresh_agent(agent.id).last_polled_at == written
    world.clock.advance(11)
    poll(world, agent.id)
    assert world.fresh_agent(agent.id).last_polled_at > written


def test_polls_racing_assignment_never_overrun_capacity(world):
    queue = world.queue()
    world.workstream(queue.id)
    agent = world.agent("Lin", [queue.id], capacity=3)
    conversations = [world.conversation(f"c{i}", route=True) for i in range(6)]

    def polls() -> None:
        for _ in range(6):
            world.clock.advance(31)  # each poll writes
            poll(world, agent.id)

    with ThreadPoolExecutor(4) as pool:
        ticker = pool.submit(polls)
        outcomes = list(pool.map(world.services.assign_step.assign, conversations))
        ticker.result()
    held = world.fresh_agent(agent.id)
    assert held.used_capacity == 3 == held.capacity
    assigned = [c for c in conversations if world.get(c).agent_id == agent.id]
    assert sorted(assigned) == sorted(held.holds)
    assert outcomes.count(Outcome.ASSIGNED) <= 3


def test_more_quiet_consoles_than_candidates_do_not_keep_work_from_a_polling_agent(world):
    """Roomier agents whose consoles went quiet sort first in the index; the step looks at
    only the first few candidates, so they must leave it (the minute sweep takes them out)
    and come back on their next poll."""
    queue = world.queue()
    world.workstream(queue.id)
    quiet = [world.agent(f"Quiet {i}", [queue.id], capacity=10) for i in range(CANDIDATES + 2)]
    for agent in quiet:
        poll(world, agent.id)
    keen = world.agent("Keen", [queue.id], capacity=1)
    world.clock.advance(151)
    poll(world, keen.id)
    world.services.housekeeping.sweep_assignments()

    first = world.conversation("one")
    assert world.services.assign_step.assign(first) is Outcome.ASSIGNED
    assert world.get(first).agent_id == keen.id

    back = quiet[0]
    poll(world, back.id)
    second = world.conversation("two")
    assert world.services.assign_step.assign(second) is Outcome.ASSIGNED
    assert world.get(second).agent_id == back.id, "polling again lists the agent at once"
