"""WaitingLine in memory: a queue's line is its rows in key order (priority, then the time
queued), the key being the real one."""

from __future__ import annotations

from collections.abc import Iterator

from shared.model.conversations import Conversation
from shared.store.waiting import WaitingEntry, waiting_key
from tests.fakes.rows import Rows


class FakeWaitingLine:
    def __init__(self) -> None:
        self.rows = Rows()

    def add(self, conversation: Conversation) -> None:
        self.rows.upsert((conversation.queue_id or "", waiting_key(conversation)), conversation.id)

    def remove(self, queue_id: str, key: str) -> None:
        self.rows.delete((queue_id, key))

    def discard(self, conversation: Conversation) -> None:
        if conversation.queue_id and conversation.enqueued_at:
            self.remove(conversation.queue_id, waiting_key(conversation))

    def entries(self, queue_id: str, limit: int = 50) -> Iterator[WaitingEntry]:
        for key, conversation_id, _ in self.rows.partition(queue_id)[:limit]:  # one page
            yield WaitingEntry(queue_id, key, conversation_id)

    def has_at_least(self, queue_id: str, count: int) -> bool:
        return len(self.rows.partition(queue_id)) >= count

    def position(self, conversation: Conversation) -> int:
        key = waiting_key(conversation)
        ahead = [k for k, _, _ in self.rows.partition(conversation.queue_id or "") if k < key]
        return 1 + len(ahead)
