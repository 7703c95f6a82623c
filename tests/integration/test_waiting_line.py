"""The walk over queues' waiting lines that the pick list and the assign step's drain share."""

from __future__ import annotations

from shared.desk.work import TransferRequest
from shared.model.conversations import utc
from shared.store.waiting import in_serving_order


def lines(world, queues, **options):
    walk = in_serving_order(
        world.services.waiting, world.services.conversations, queues, per_queue=10, **options
    )
    return [(queue.id, [c.id for c in waiting]) for queue, waiting in walk]


def conversations(world, count):
    made = []
    for i in range(count):
        world.clock.advance(1)
        made.append(world.conversation(f"c{i}"))
    return made


def entries(world, queue):
    return [e.conversation_id for e in world.services.waiting.entries(queue.id)]


def test_queues_by_priority_each_in_its_order_without_what_moved_on(world):
    first = world.queue("first", priority=1)
    second = world.queue("second", priority=5)
    world.workstream(second.id, distributionMode="pick")
    older, closed, moved = conversations(world, 3)
    world.clock.advance(1)
    world.services.desk.transfer_as_admin(moved, TransferRequest(queue_id=first.id))
    world.services.conversations.close(closed, reason="test", now=utc(world.clock()))
    world.services.waiting.add(world.get(older).model_copy(update={"queue_id": first.id}))
    assert entries(world, first) == [older, moved]
    assert entries(world, second) == [older, closed]

    expected = [(first.id, [moved]), (second.id, [older])]
    assert lines(world, [second, first]) == expected
    assert entries(world, first) == [older, moved]  # only read
    assert entries(world, second) == [older, closed]

    assert lines(world, [second, first], prune=True) == expected
    assert entries(world, first) == [moved]
    assert entries(world, second) == [older]


def test_a_queue_left_early_reads_no_further(world):
    queue = world.queue()
    world.workstream(queue.id, distributionMode="pick")
    first, second = conversations(world, 2)
    world.services.conversations.close(second, reason="test", now=utc(world.clock()))
    [(_, waiting)] = in_serving_order(
        world.services.waiting, world.services.conversations, [queue], per_queue=10, prune=True
    )
    assert next(waiting).id == first
    assert entries(world, queue) == [first, second]  # the closed one was not met yet
