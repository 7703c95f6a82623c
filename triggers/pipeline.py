"""Queue triggers: the conversation pipeline's steps (docs/architecture.md §2)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import azure.functions as func

from shared.core import metrics
from shared.core.log_dimensions import log_dimensions
from shared.core.settings import STORAGE_SETTING
from shared.core.telemetry import span_from
from shared.store.names import (
    ASSIGN_WORK_QUEUE,
    BOT_WORK_QUEUE,
    INBOUND_WORK_QUEUE,
    MEDIA_WORK_QUEUE,
    OUTBOUND_WORK_QUEUE,
    ROUTE_WORK_QUEUE,
)
from shared.store.work_items import (
    ITEMS,
    AssignItem,
    BotItem,
    InboundItem,
    MediaItem,
    OutboundItem,
    RouteItem,
    WorkItem,
    WorkItemError,
)
from triggers.runtime import services

bp = func.Blueprint()
Step = Callable[[func.QueueMessage], None]


def traced(queue: str) -> Callable[[Step], Step]:
    """The step in a span that continues the trace of whoever put the message, with the
    item's account, conversation and message as dimensions of its log lines."""
    item_type = ITEMS[queue]

    def decorate(step: Step) -> Step:
        @functools.wraps(step)
        def spanned(msg: func.QueueMessage) -> None:
            try:
                item: WorkItem | None = item_type.from_body(msg.get_body())
            except WorkItemError:
                item = None  # the step refuses it, inside the span
            attributes = {"messaging.destination.name": queue, "messaging.message.id": msg.id or ""}
            with (
                span_from(
                    f"{queue} step", item.traceparent if item else None, attributes=attributes
                ),
                log_dimensions(**_dimensions(item)),
            ):
                step(msg)

        return spanned

    return decorate


def _dimensions(item: WorkItem | None) -> dict[str, str | None]:
    fields = item.model_dump() if item is not None else {}
    return {
        "account_id": fields.get("account_id"),
        "conversation_id": fields.get("conversation_id"),
        "message_key": fields.get("key"),
    }


def failures_recorded(queue: str) -> Callable[[Step], Step]:
    """A failure's error kept for ``GET /api/admin/poison``: the host's poison copy has none."""

    def decorate(step: Step) -> Step:
        @functools.wraps(step)
        def recorded(msg: func.QueueMessage) -> None:
            metrics.step_started(queue, msg.insertion_time)
            with services().failures.recording(queue, msg.get_body(), msg.dequeue_count or 1):
                step(msg)

        return recorded

    return decorate


@bp.queue_trigger(arg_name="msg", queue_name=INBOUND_WORK_QUEUE, connection=STORAGE_SETTING)
@traced(INBOUND_WORK_QUEUE)
@failures_recorded(INBOUND_WORK_QUEUE)
def inbound(msg: func.QueueMessage) -> None:
    """A stored push → its customer's conversation (opened if none is open), routed and
    assigned at once when it is new."""
    item = InboundItem.from_body(msg.get_body())
    services().inbound_step.take_and_route(item.account_id, item.key)


@bp.queue_trigger(arg_name="msg", queue_name=ROUTE_WORK_QUEUE, connection=STORAGE_SETTING)
@traced(ROUTE_WORK_QUEUE)
@failures_recorded(ROUTE_WORK_QUEUE)
def route(msg: func.QueueMessage) -> None:
    """A new conversation → a queue (rules, hours, overflow)."""
    services().route_step.route(RouteItem.from_body(msg.get_body()).conversation_id)


@bp.queue_trigger(arg_name="msg", queue_name=ASSIGN_WORK_QUEUE, connection=STORAGE_SETTING)
@traced(ASSIGN_WORK_QUEUE)
@failures_recorded(ASSIGN_WORK_QUEUE)
def assign(msg: func.QueueMessage) -> None:
    """A conversation to assign, or capacity that appeared (an agent, a queue) to fill."""
    item = AssignItem.from_body(msg.get_body())
    assign_step = services().assign_step
    match item:
        case AssignItem(conversation_id=str(conversation_id)):
            assign_step.assign(conversation_id)
        case AssignItem(agent_id=str(agent_id)):
            assign_step.drain_for_agent(agent_id)
        case AssignItem(queue_id=str(queue_id)):
            assign_step.drain([queue_id])


@bp.queue_trigger(arg_name="msg", queue_name=OUTBOUND_WORK_QUEUE, connection=STORAGE_SETTING)
@traced(OUTBOUND_WORK_QUEUE)
@failures_recorded(OUTBOUND_WORK_QUEUE)
def outbound(msg: func.QueueMessage) -> None:
    """A conversation with queued outbound messages → WeChat, in order."""
    services().outbound_step.send_pending(OutboundItem.from_body(msg.get_body()).conversation_id)


@bp.queue_trigger(arg_name="msg", queue_name=MEDIA_WORK_QUEUE, connection=STORAGE_SETTING)
@traced(MEDIA_WORK_QUEUE)
@failures_recorded(MEDIA_WORK_QUEUE)
def media(msg: func.QueueMessage) -> None:
    """A customer's image, voice or video → Blob storage, before WeChat drops it."""
    item = MediaItem.from_body(msg.get_body())
    services().media_step.keep(item.conversation_id, item.key)


@bp.queue_trigger(arg_name="msg", queue_name=BOT_WORK_QUEUE, connection=STORAGE_SETTING)
@traced(BOT_WORK_QUEUE)
@failures_recorded(BOT_WORK_QUEUE)
def bot(msg: func.QueueMessage) -> None:
    """A customer's message in a bot-handled conversation → the workstream's bot."""
    item = BotItem.from_body(msg.get_body())
    services().bot_step.handle(item.conversation_id, item.key)
