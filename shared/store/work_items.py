"""The message of each work queue, one model per queue, named after it.

Messages carry ids, never payloads: a step reads what it works on from the tables, so a
message that comes twice or late finds the work done or nothing left. On the wire they are
compact JSON in camelCase (``{"conversationId":"…"}``), the text the poison listing, replay and
erasure read raw. A body that is not its queue's item is refused with the queue and the field,
so its step fails, is retried and ends in ``<queue>-poison``.
"""

from __future__ import annotations

import json
import re
from typing import Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails

from shared.store.names import (
    ASSIGN_WORK_QUEUE,
    BOT_WORK_QUEUE,
    INBOUND_WORK_QUEUE,
    MEDIA_WORK_QUEUE,
    OUTBOUND_WORK_QUEUE,
    ROUTE_WORK_QUEUE,
)

_FROM_BODY: dict[str, bool] = {"from_body": True}
TRACEPARENT = re.compile(r"[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}")
"""W3C trace context's ``traceparent``: version, trace id, parent span id, flags."""


class WorkItemError(ValueError):
    """A queue message that is not its queue's item: another program's, or a bug's."""


class WorkItem(BaseModel):
    """Strict (an id is a JSON string, never a number made one) and closed (a field this
    version does not know is refused, not dropped)."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        strict=True,
        frozen=True,
    )

    work_queue: ClassVar[str]
    traceparent: str | None = None
    """The W3C trace context of the span that put the message, so the step that takes it
    continues that trace (``shared/core/telemetry.py``). Optional: older messages have none."""

    @field_validator("traceparent", mode="before")
    @classmethod
    def _trace_or_none(cls, value: Any) -> Any:
        """A malformed trace context starts a new trace, as W3C says; it never fails a step."""
        return value if isinstance(value, str) and TRACEPARENT.fullmatch(value) else None

    @model_validator(mode="before")
    @classmethod
    def _wire_names_only(cls, data: Any, info: ValidationInfo) -> Any:
        """Python code names the fields as Python does; a message names them as the wire does,
        and nothing else (``conversation_id`` is no field there)."""
        if info.context == _FROM_BODY and isinstance(data, dict):
            for name, field in cls.model_fields.items():
                if name != field.alias and name in data:
                    raise ValueError(f"{name} is not a field: the message names it {field.alias}")
        return data

    def to_body(self) -> str:
        """The message text: compact JSON, camelCase, fields in their declared order."""
        fields = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return json.dumps(fields, separators=(",", ":"))

    @classmethod
    def from_body(cls, body: bytes | str) -> Self:
        """The item a step got, or ``WorkItemError`` naming the queue and each bad field."""
        try:
            return cls.model_validate_json(body, context=_FROM_BODY)
        except ValidationError as error:
            problems = "; ".join(_problem(p) for p in error.errors(include_input=False))
            raise WorkItemError(
                f"a message on the {cls.work_queue} queue does not fit {cls.__name__}: {problems}"
            ) from None


def _problem(error: ErrorDetails) -> str:
    text = error["msg"].removeprefix("Value error, ")
    where = ".".join(str(part) for part in error["loc"])
    return f"{where}: {text}" if where else text


class InboundItem(WorkItem):
    """A push stored by the callback, to file into its customer's conversation."""

    work_queue = INBOUND_WORK_QUEUE
    account_id: str
    key: str
    """The push's dedupe key: its row in the ``inbound`` table."""


class RouteItem(WorkItem):
    """A conversation without a queue, to route."""

    work_queue = ROUTE_WORK_QUEUE
    conversation_id: str


ASSIGN_TARGETS = ("conversationId", "agentId", "queueId")


class AssignItem(WorkItem):
    """Exactly one of: a conversation to assign; an agent whose capacity appeared (online, more
    capacity, new queues), to serve; a queue whose line has work for whoever is free."""

    work_queue = ASSIGN_WORK_QUEUE
    conversation_id: str | None = None
    agent_id: str | None = None
    queue_id: str | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Self:
        named = [
            alias
            for alias, value in zip(
                ASSIGN_TARGETS, (self.conversation_id, self.agent_id, self.queue_id), strict=True
            )
            if value is not None
        ]
        if len(named) != 1:
            given = f"{' and '.join(named)} are given" if named else "none is given"
            raise ValueError(f"exactly one of {', '.join(ASSIGN_TARGETS)} is needed; {given}")
        return self


class OutboundItem(WorkItem):
    """A conversation with outbound lines queued, to send in order."""

    work_queue = OUTBOUND_WORK_QUEUE
    conversation_id: str


class MediaItem(WorkItem):
    """A customer's image, voice or video line, whose file to keep before WeChat drops it."""

    work_queue = MEDIA_WORK_QUEUE
    conversation_id: str
    key: str
    """The transcript line's key."""


class BotItem(WorkItem):
    """A customer's line in a bot-handled conversation, for the workstream's bot."""

    work_queue = BOT_WORK_QUEUE
    conversation_id: str
    key: str
    """The transcript line's key."""


ITEMS: dict[str, type[WorkItem]] = {
    item.work_queue: item
    for item in (InboundItem, RouteItem, AssignItem, OutboundItem, MediaItem, BotItem)
}
"""Each queue's item, by queue name."""
