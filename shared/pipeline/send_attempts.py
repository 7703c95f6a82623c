"""What a send to WeChat does between attempts, the same for customer-service and template
messages: how many attempts, how long to wait before the next, and the timeline's record of
each attempt with WeChat's answer."""

from __future__ import annotations

from datetime import datetime, timedelta

from shared.model.conversations import TranscriptEntry
from shared.model.timeline import EventKind
from shared.store.conversations import ConversationStore
from shared.store.timeline import TimelineStore

MAX_ATTEMPTS = 5


def backoff_seconds(attempts: int) -> int:
    return min(1 << attempts, 60)  # 2**attempts, and an int to mypy (int ** int is Any)


def record_attempt(
    timeline: TimelineStore,
    entry: TranscriptEntry,
    at: datetime,
    outcome: str,
    *,
    errcode: int | None = None,
    text: str | None = None,
) -> None:
    """One attempt and WeChat's answer (``ok``, ``errcode N``, ``no answer``), counted first."""
    attempt = int(entry.details.get("attempts", 1))
    timeline.record(
        entry.conversation_id,
        EventKind.SENT,
        at,
        about=f"{entry.key}#{attempt}",
        outcome=outcome,
        entry_key=entry.key,
        message_type=entry.type,
        sender=entry.sender,
        attempt=attempt,
        errcode=errcode,
        text=text,
    )


def queue_retry(
    conversations: ConversationStore,
    entry: TranscriptEntry,
    now: datetime,
    reason: str,
    attempts: int,
) -> int:
    """Put the entry back to ``queued`` with the reason and when it is tried again → the
    seconds to wait."""
    wait = backoff_seconds(attempts)
    retry_at = now + timedelta(seconds=wait)
    details = {**entry.details, "lastError": reason, "retryAt": retry_at.isoformat()}
    conversations.update_entry(entry, status="queued", details=details)
    return wait
