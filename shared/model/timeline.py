"""A conversation's timeline: what each step did to it and when, for diagnosing one conversation
(why did it wait, which rule sent it where, did WeChat take the reply). Diagnostics only: the
conversation and its transcript stay the source of truth."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from shared.core.schema import CamelModel, ViewModel


class EventKind(StrEnum):
    """In the order a conversation usually meets them: two events of one instant sort so."""

    RECEIVED = "received"
    """A push reached the callback (at its arrival)."""
    DUPLICATE = "duplicate"
    """WeChat sent a push again (it retries until it sees an answer); filed once."""
    FILED = "filed"
    """The push became a line of the conversation (``opened``: it opened the conversation)."""
    BOT_ASKED = "bot_asked"
    BOT_ANSWERED = "bot_answered"
    BOT_ESCALATED = "bot_escalated"
    BOT_ENDED = "bot_ended"
    ROUTED = "routed"
    """Given a queue, by which rule (none: the workstream's fallback queue)."""
    OVERFLOW = "overflow"
    """A queue's after-hours or overflow handling moved or ended it."""
    OFFERED = "offered"
    """Offered to an agent (``outcome`` ``offered``), or that offer's end: ``declined`` by the
    agent, ``expired`` unanswered (at its expiry time); accepted, it is ``assigned`` next."""
    PICKED = "picked"
    ASSIGNED = "assigned"
    TRANSFERRED = "transferred"
    SENT = "sent"
    """One attempt to send a message, and WeChat's answer (``ok``, ``errcode N``, ``retry``)."""
    CLOSED = "closed"
    SURVEY_ASKED = "survey_asked"
    SURVEY_ANSWERED = "survey_answered"


KIND_ORDER = {kind: index for index, kind in enumerate(EventKind)}


class EventDetails(CamelModel):
    """What an event is about; each kind fills the fields that apply to it (camelCase in
    JSON, the fields left empty left out)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entry_key: str | None = None
    message_type: str | None = None
    opened: bool | None = None
    retries: int | None = None
    rule: str | None = None
    queue_id: str | None = None
    from_queue_id: str | None = None
    agent_id: str | None = None
    from_agent_id: str | None = None
    reason: str | None = None
    sender: str | None = None
    attempt: int | None = None
    errcode: int | None = None
    rating: int | None = None
    text: str | None = None
    """A short, server-written note (a bot's failure, an automated message's name), never
    customer text: the timeline is for diagnosing, the transcript holds what was said."""


class TimelineEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    conversation_id: str
    kind: EventKind
    at: datetime
    about: str
    """What the event is about (a push key, a transcript entry and attempt, an agent and an
    assignment's time): with the kind and time, it names the event, so a rerun rewrites it."""
    outcome: str | None = None
    details: EventDetails = EventDetails()


class TimelineEventView(ViewModel):
    kind: EventKind
    at: datetime
    outcome: str | None = None
    details: EventDetails

    @classmethod
    def of(cls, event: TimelineEvent) -> TimelineEventView:
        return cls(
            kind=event.kind,
            at=event.at,
            outcome=event.outcome,
            details=event.details,
        )


class TimelineView(ViewModel):
    conversation_id: str
    events: list[TimelineEventView]
    """Oldest first; empty for a conversation from before timelines were recorded."""

    @classmethod
    def of(cls, conversation_id: str, events: list[TimelineEvent]) -> TimelineView:
        return cls(
            conversation_id=conversation_id, events=[TimelineEventView.of(e) for e in events]
        )
