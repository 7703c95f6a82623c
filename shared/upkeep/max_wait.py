"""Overflow after queueing: a conversation that waits in a queue's line longer than the queue's
``overflow.maxWait`` is transferred to another queue or ended.

A sweep over the lines on the assignment timer (every minute), not a delayed work item per
conversation: the line's row keys already carry each entry's queueing time, so one read of a
line finds every overdue entry, and nothing has to be cancelled when a conversation is served.
Every move is a conditional write on the conversation's ETag that re-checks, on the copy it
writes over, that the conversation still waits in that queue since that time; so a conversation
assigned meanwhile is left alone, and of several sweepers at once exactly one moves it.

A transferred conversation starts fresh in the target's line (its ``enqueuedAt`` becomes the
time of the transfer): keeping the original time would put it past the target's own maxWait at
once, and the target's wait is what the customer meets next.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.messaging.automated import AutomatedMessenger
from shared.model.conversations import Conversation, ConversationState, utc
from shared.model.queues import OverflowAction, Queue
from shared.model.timeline import EventKind
from shared.model.workstreams import AutomatedMessage
from shared.store.catalog import RoutingCatalog
from shared.store.conversations import ConversationStore
from shared.store.timeline import TimelineStore
from shared.store.waiting import WaitingLine

log = logging.getLogger(__name__)

REASON = "queue_max_wait"


def queued_at_ms(key: str) -> int:
    """The queueing time (epoch ms) in a waiting line's row key."""
    return int(key.split("|")[1])


def still_waits(conversation: Conversation, queue_id: str, enqueued_ms: int) -> bool:
    """Whether the conversation is the very wait an overdue line entry stands for."""
    return (
        conversation.state is ConversationState.OPEN
        and conversation.queue_id == queue_id
        and conversation.enqueued_at is not None
        and int(conversation.enqueued_at.timestamp() * 1000) == enqueued_ms
    )


class MaxWaitSweep:
    def __init__(
        self,
        catalog: RoutingCatalog,
        conversations: ConversationStore,
        waiting: WaitingLine,
        messenger: AutomatedMessenger,
        timeline: TimelineStore,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._catalog = catalog
        self._conversations = conversations
        self._waiting = waiting
        self._messenger = messenger
        self._timeline = timeline
        self._clock = clock

    def sweep(self, queues: list[Queue]) -> dict[str, int]:
        """Move or end every conversation past its queue's maxWait; counts what this sweeper did."""
        done = {"transferred": 0, "ended": 0}
        now = utc(self._clock())
        for queue in queues:
            max_wait = queue.overflow.max_wait
            if max_wait is None:
                continue
            cutoff_ms = int((now - max_wait).timestamp() * 1000)
            overdue = [
                entry
                for entry in self._waiting.entries(queue.id, limit=1000)
                if queued_at_ms(entry.key) < cutoff_ms
            ]
            for entry in overdue:
                outcome = self._overdue(queue, entry.conversation_id, queued_at_ms(entry.key), now)
                if outcome:
                    done[outcome] += 1
        return done

    def _overdue(self, queue: Queue, conversation_id: str, enqueued_ms: int, now: datetime) -> str:
        handling = queue.overflow.max_wait_handling()
        target = None
        if handling.action is OverflowAction.TRANSFER:
            target = self._catalog.queue(handling.transfer_queue_id or "")
            if target is None or target.id == queue.id:
                log.warning("queue %s: maxWait transfer target %s is gone", queue.id, target)
                return ""
        if target is None:
            return "ended" if self._end(queue, conversation_id, enqueued_ms, now) else ""
        return (
            "transferred"
            if self._transfer(queue, target, conversation_id, enqueued_ms, now)
            else ""
        )

    def _end(self, queue: Queue, conversation_id: str, enqueued_ms: int, now: datetime) -> bool:
        closed = self._conversations.close(
            conversation_id,
            reason=REASON,
            now=now,
            only_if=lambda c: still_waits(c, queue.id, enqueued_ms),
        )
        if closed is None:
            return False
        self._waiting.discard(closed)
        self._record(closed.id, queue, None, OverflowAction.END, now)
        self._timeline.record(
            closed.id, EventKind.CLOSED, now, about="closed", outcome=REASON, reason=REASON
        )
        workstream = self._catalog.workstream_for_account(closed.account_id)
        self._messenger.send(closed, workstream, AutomatedMessage.OVERFLOW_ENDED, at=now)
        return True

    def _transfer(
        self, queue: Queue, target: Queue, conversation_id: str, enqueued_ms: int, now: datetime
    ) -> bool:
        won = False
        left: list[Conversation] = []

        def move(conversation: Conversation) -> dict[str, Any] | None:
            nonlocal won
            won = still_waits(conversation, queue.id, enqueued_ms)
            if not won:
                return None
            left[:] = [conversation]
            return {"queue_id": target.id, "enqueued_at": now, "updated_at": now}

        moved = self._conversations.change(conversation_id, move)
        if not won or moved is None:
            return False
        self._waiting.add(moved)
        self._waiting.discard(left[0])
        self._record(moved.id, queue, target, OverflowAction.TRANSFER, now)
        return True

    def _record(
        self,
        conversation_id: str,
        queue: Queue,
        target: Queue | None,
        action: OverflowAction,
        now: datetime,
    ) -> None:
        self._timeline.record(
            conversation_id,
            EventKind.OVERFLOW,
            now,
            about=REASON + queue.id,
            outcome=action.value,
            reason=REASON,
            from_queue_id=queue.id,
            queue_id=target.id if target else None,
        )
