"""Overflow after queueing and auto-close per state on Azurite: queue overflow.maxWait moves or
ends a conversation waiting too long, exactly once among concurrent sweepers, and never one an
agent took meanwhile; workstream autoClose closes each state at its own idle limit."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from shared.desk.work import CloseRequest
from shared.model.conversations import ConversationState as S
from shared.model.timeline import EventKind

MESSAGES = {"en": {"overflowEnded": "Too long a wait, sorry.", "conversationClosed": "Bye!"}}


def overflow_events(world, conversation_id: str) -> list:
    events = world.services.timeline.events(conversation_id)
    return [
        e for e in events if e.kind is EventKind.OVERFLOW and e.details.reason == "queue_max_wait"
    ]


def test_two_sweepers_end_a_conversation_once(world):
    queue = world.queue(overflow={"maxWait": "PT1M", "afterMaxWait": {"action": "end"}})
    world.workstream(queue.id, automatedMessages=MESSAGES, language="en")
    conversation = world.conversation()
    world.clock.advance(30)
    assert world.services.housekeeping.sweep_assignments().get("ended") == 0
    world.clock.advance(31)
    sweep = world.services.housekeeping._max_wait
    queues = list(world.services.catalog.queues.list_all())
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: sweep.sweep(queues), range(4)))
    assert sum(r["ended"] for r in results) == 1
    stored = world.get(conversation)
    assert (stored.state, stored.close_reason) == (S.CLOSED, "queue_max_wait")
    assert world.outbound_texts(conversation).count("Too long a wait, sorry.") == 1
    assert list(world.services.waiting.entries(queue.id)) == []


def test_two_sweepers_transfer_a_conversation_once_starting_fresh(world):
    target = world.queue("second line")
    queue = world.queue(
        overflow={
            "maxWait": "PT1M",
            "afterMaxWait": {"action": "transfer", "transferQueueId": target.id},
        }
    )
    world.workstream(queue.id)
    conversation = world.conversation()
    world.clock.advance(61)
    sweep = world.services.housekeeping._max_wait
    queues = list(world.services.catalog.queues.list_all())
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: sweep.sweep(queues), range(4)))
    assert sum(r["transferred"] for r in results) == 1
    stored = world.get(conversation)
    assert (stored.state, stored.queue_id) == (S.OPEN, target.id)
    assert stored.enqueued_at.timestamp() == world.clock()
    assert [e.conversation_id for e in world.services.waiting.entries(target.id)] == [conversation]
    assert list(world.services.waiting.entries(queue.id)) == []
    assert len(overflow_events(world, conversation)) == 1


def test_an_assigned_conversation_is_not_touched(world):
    queue = world.queue(overflow={"maxWait": "PT1M", "afterMaxWait": {"action": "end"}})
    world.workstream(queue.id)
    conversation = world.conversation()
    world.clock.advance(61)
    agent = world.agent("late", [queue.id], capacity=1)
    world.services.assign_step.assign(conversation)
    stale = list(world.services.waiting.entries(queue.id))
    assert world.get(conversation).state is S.ACTIVE
    for entry in stale:  # the line still lists it (a hint), as if the sweep read it before
        world.services.waiting._table.upsert_entity(
            {"PartitionKey": queue.id, "RowKey": entry.key, "ConversationId": conversation}
        )
    result = world.services.housekeeping._max_wait.sweep([world.services.catalog.queue(queue.id)])
    assert result == {"transferred": 0, "ended": 0}
    assert world.get(conversation).state is S.ACTIVE
    assert world.fresh_agent(agent.id).used_capacity == 1


def test_auto_close_per_state_releases_capacity(world):
    queue = world.queue()
    world.workstream(
        queue.id,
        autoClose={"open": "PT10M", "active": "PT1H", "wrapUp": "PT5M", "waiting": None},
        automatedMessages=MESSAGES,
        language="en",
    )
    agent = world.agent("a", [queue.id], capacity=3)
    active = world.conversation("one")
    wrapping = world.conversation("two")
    world.services.assign_step.assign(active)
    world.services.assign_step.assign(wrapping)
    world.services.desk.close(world.fresh_agent(agent.id), wrapping, CloseRequest(wrap_up=True))
    assert world.get(wrapping).state is S.WRAPUP
    world.clock.advance(6 * 60)
    world.services.housekeeping.close_inactive()
    assert world.get(wrapping).close_reason == "inactivity_wrapup"
    assert world.get(active).state is S.ACTIVE
    assert world.fresh_agent(agent.id).used_capacity == 1
    world.clock.advance(55 * 60)
    with ThreadPoolExecutor(3) as pool:
        closed = sum(pool.map(lambda _: world.services.housekeeping.close_inactive(), range(3)))
    assert closed == 1
    assert world.get(active).close_reason == "inactivity_active"
    assert world.fresh_agent(agent.id).used_capacity == 0
    assert world.outbound_texts(active).count("Bye!") == 1
