"""Automated messages (greeting, queued, agentAssigned…): recorded as queued outbound messages.

Each is keyed by the conversation, its kind and the second it was due, so a step that runs
twice (queues redeliver) records it once.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.messaging.outbox import Outbox
from shared.model.conversations import Conversation, TranscriptEntry
from shared.model.workstreams import AutomatedMessage, Workstream

CONTEXT_PLACEHOLDER = re.compile(r"\{context\.([^{}]+)\}")


def unfilled_context(text: str) -> list[str]:
    """The ``{context.<name>}`` placeholders still in ``text`` after ``fill``."""
    return CONTEXT_PLACEHOLDER.findall(text)


def fill(text: str, values: dict[str, object], context: dict[str, object] | None = None) -> str:
    """Replace ``{AgentName}``-style placeholders that have a value, and ``{context.<name>}``
    with the conversation's context variables; leave the rest as written (no ``str.format``:
    an admin's stray brace must not break or expose anything)."""
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    for name, value in (context or {}).items():
        text = text.replace("{context." + name + "}", "" if value is None else str(value))
    return text


# Several automated messages often fall in the same millisecond (greeting, queued, assigned):
# their rank keeps them in the order a customer expects.
RANK = {
    AutomatedMessage.PRIVACY_NOTICE: 0,
    AutomatedMessage.GREETING: 1,
    AutomatedMessage.OUT_OF_HOURS: 2,
    AutomatedMessage.HOLIDAY: 2,
    AutomatedMessage.OVERFLOW_ENDED: 3,
    AutomatedMessage.QUEUED: 4,
    AutomatedMessage.AGENT_ASSIGNED: 5,
    AutomatedMessage.ATTACHMENTS_DISABLED: 7,
    AutomatedMessage.CONVERSATION_CLOSED: 8,
    AutomatedMessage.AGENT_NOT_ASSIGNED: 5,
    AutomatedMessage.TRANSFER_ACCEPTED: 4,  # before the new agent's agentAssigned
    AutomatedMessage.NEXT_IN_LINE: 5,  # after queued, should they fall in the same millisecond
    AutomatedMessage.POSITION_IN_QUEUE: 5,
    AutomatedMessage.AGENT_ENDED_CONVERSATION: 8,  # its tag sorts before conversationClosed
}
REPLY_RANK = 6  # agents' and bots' replies
SURVEY_RANK = 9


def outbound_key(at: datetime, rank: int, tag: str) -> str:
    """Transcript key of an outbound line: by time to the millisecond, then rank; after the
    customer's lines of the same second (``-m…`` and ``-e…`` sort before ``-o…``)."""
    return f"{int(at.timestamp()):010d}-o{at.microsecond // 1000:03d}{rank}{tag}"


def automated_key(kind: AutomatedMessage, at: datetime) -> str:
    """The transcript key ``AutomatedMessenger.send`` gives ``kind`` due at ``at``."""
    return outbound_key(at, RANK[kind], kind.value)


def outbound_entry(
    conversation_id: str,
    at: datetime,
    rank: int,
    tag: str,
    *,
    sender: str,
    received_at: datetime | None = None,
    **fields: Any,
) -> TranscriptEntry:
    """A line we are about to say, queued: keyed by when it is due, ``rank`` and ``tag``."""
    return TranscriptEntry(
        conversation_id=conversation_id,
        key=outbound_key(at, rank, tag),
        direction="out",
        create_time=int(at.timestamp()),
        received_at=received_at or at,
        status="queued",
        sender=sender,
        **fields,
    )


class AutomatedMessenger:
    """Automated messages use the same reply window as agents (WeChat counts every
    customer-service message): one that does not fit is skipped, never queued to fail."""

    def __init__(
        self, outbox: Outbox, queue_name: Callable[[str], str | None] | None = None
    ) -> None:
        """``queue_name``: a queue's name by id, for ``{QueueName}``."""
        self._outbox = outbox
        self._queue_name = queue_name

    def send(
        self,
        conversation: Conversation,
        workstream: Workstream | None,
        kind: AutomatedMessage,
        *,
        at: datetime,
        keep: int = 0,
        **values: object,
    ) -> TranscriptEntry | None:
        """Queue ``kind`` if the workstream has a text for it. ``keep``: slots of the reply
        window it must leave for the agent (else it is skipped). ``{QueueName}`` is the
        conversation's queue unless given."""
        text = workstream.message(kind) if workstream else None
        if not text:
            return None
        entry = outbound_entry(
            conversation.id,
            at,
            RANK[kind],
            kind.value,
            sender="system",
            type="text",
            text=fill(
                text, self._with_queue_name(conversation, text, values), conversation.context
            ),
            details={"automated": kind.value},
        )
        return self._outbox.offer(conversation, entry, f"automated {kind.value}", keep=keep)

    def _with_queue_name(
        self, conversation: Conversation, text: str, values: dict[str, object]
    ) -> dict[str, object]:
        if "QueueName" in values or "{QueueName}" not in text or self._queue_name is None:
            return values
        name = self._queue_name(conversation.queue_id) if conversation.queue_id else None
        return {**values, "QueueName": name} if name else values
