"""Each queue's waiting line: open conversations in the order they are to be served.

One partition per queue; row keys sort by the conversation's priority (lower first), then by
the time it was queued, so the next conversation to serve is the first row. The line is an
index over the conversations table, which stays the truth: a row whose conversation has moved
on is deleted when met.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from azure.data.tables import TableClient

from shared.model.conversations import Conversation
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

    def position(self, conversation: Conversation) -> int:
        """1 for the next to be served."""
        key = waiting_key(conversation)
        ahead = self._table.query_entities(
            "PartitionKey eq @q and RowKey lt @k",
            parameters={"q": conversation.queue_id, "k": key},
            select=["RowKey"],
        )
        return 1 + sum(1 for _ in ahead)
