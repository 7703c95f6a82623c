"""Each queue's waiting line: open conversations in the order they are to be served.

One partition per queue; row keys sort by the conversation's priority (lower first), then by
the time it was queued, so the next conversation to serve is the first row. The line is an
index over the conversations table, which stays the truth: a row whose conversation has moved
on is deleted when met.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import NamedTuple

from azure.data.tables import TableClient

from shared.model.conversations import Conversation, ConversationState
from shared.model.queues import Queue
from shared.store.conversations import ConversationStore
from shared.store.entities import first_page


class WaitingEntry(NamedTuple):
    queue_id: str
    key: str
    conversation_id: str


def waiting_key(conversation: Conversation) -> str:
    if conversation.enqueued_at is None:
        raise ValueError(f"conversation {conversation.id} has not been queued")
    ms = int(conversation.enqueued_at.timestamp() * 1000)
    return f"{conversation.priority or 0:04d}|{ms:015d}|{conversation.id}"


class WaitingLine:
    def __init__(self, table: TableClient) -> None:
        self._table = table

    def add(self, conversation: Conversation) -> None:
        self._table.upsert_entity(
            {
                "PartitionKey": conversation.queue_id,
                "RowKey": waiting_key(conversation),
                "ConversationId": conversation.id,
            }
        )

    def remove(self, queue_id: str, key: str) -> None:
        self._table.delete_entity(queue_id, key)

    def discard(self, conversation: Conversation) -> None:
        if conversation.queue_id and conversation.enqueued_at:
            self.remove(conversation.queue_id, waiting_key(conversation))

    def entries(self, queue_id: str, limit: int = 50) -> Iterator[WaitingEntry]:
        """The first ``limit`` entries of a queue, next to be served first."""
        pages = self._table.query_entities(
            "PartitionKey eq @q", parameters={"q": queue_id}, results_per_page=limit
        ).by_page()
        for entity in first_page(pages):
            yield WaitingEntry(queue_id, entity["RowKey"], entity["ConversationId"])

    def has_at_least(self, queue_id: str, count: int) -> bool:
        """Whether ``count`` or more wait; reads no further than that."""
        seen = 0
        for _ in self._table.query_entities(
            "PartitionKey eq @q",
            parameters={"q": queue_id},
            select=["RowKey"],
            results_per_page=max(1, min(count, 1000)),
        ):
            seen += 1
            if seen >= count:
                break
        return seen >= count

    def census(self, queue_id: str) -> tuple[int, float | None]:
        """How many entries the line has and the earliest time (epoch seconds) one was queued,
        from the row keys alone. A stale entry counts until a walk of the line prunes it."""
        count, oldest_ms = 0, None
        for entity in self._table.query_entities(
            "PartitionKey eq @q", parameters={"q": queue_id}, select=["RowKey"]
        ):
            count += 1
            ms = int(entity["RowKey"].split("|")[1])
            oldest_ms = ms if oldest_ms is None else min(oldest_ms, ms)
        return count, None if oldest_ms is None else oldest_ms / 1000

    def position(self, conversation: Conversation) -> int:
        """1 for the next to be served."""
        key = waiting_key(conversation)
        ahead = self._table.query_entities(
            "PartitionKey eq @q and RowKey lt @k",
            parameters={"q": conversation.queue_id, "k": key},
            select=["RowKey"],
        )
        return 1 + sum(1 for _ in ahead)


def in_serving_order(
    line: WaitingLine,
    conversations: ConversationStore,
    queues: Iterable[Queue],
    *,
    per_queue: int,
    prune: bool = False,
) -> Iterator[tuple[Queue, Iterator[Conversation]]]:
    """Each queue, lowest priority first (then by id), with the conversations that still wait
    in it, next to be served first, from the first ``per_queue`` entries of its line. Both are
    read as they are consumed: a caller that stops a queue reads no more of its line. An entry
    whose conversation moved on (gone, no longer open, in another queue) is skipped and, with
    ``prune``, deleted."""
    for queue in sorted(queues, key=lambda q: (q.priority, q.id)):
        yield queue, _still_waiting(line, conversations, queue.id, per_queue, prune)


def _still_waiting(
    line: WaitingLine, conversations: ConversationStore, queue_id: str, limit: int, prune: bool
) -> Iterator[Conversation]:
    for entry in line.entries(queue_id, limit=limit):
        conversation = conversations.get(entry.conversation_id)
        if (
            conversation is not None
            and conversation.state is ConversationState.OPEN
            and conversation.queue_id == queue_id
        ):
            yield conversation
        elif prune:
            line.remove(queue_id, entry.key)  # the line is a hint; the conversation is the truth
