"""Queue triggers: the conversation pipeline's steps (docs/architecture.md §2)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import azure.functions as func

from shared.core.settings import STORAGE_SETTING
from shared.store.names import (
    ASSIGN_QUEUE,
    BOT_QUEUE,
    INBOUND_QUEUE,
    MEDIA_QUEUE,
    OUTBOUND_QUEUE,
    ROUTE_QUEUE,
)
from triggers.runtime import services

bp = func.Blueprint()
Step = Callable[[func.QueueMessage], None]


def failures_recorded(queue: str) -> Callable[[Step], Step]:
    """A failure's error kept for ``GET /api/admin/poison``: the host's poison copy has none."""

    def decorate(step: Step) -> Step:
        @functools.wraps(step)
        def recorded(msg: func.QueueMessage) -> None:
            with services().failures.recording(queue, msg.get_body(), msg.dequeue_count or 1):
                step(msg)

        return recorded

    return decorate


@bp.queue_trigger(arg_name="msg", queue_name=INBOUND_QUEUE, connection=STORAGE_SETTING)
@failures_recorded(INBOUND_QUEUE)
def inbound(msg: func.QueueMessage) -> None:
    """A stored push → its customer's conversation (opened if none is open), routed and
    assigned at once when it is new."""
    data = msg.get_json()
    services().inbound_step.take_and_route(data["accountId"], data["key"])


@bp.queue_trigger(arg_name="msg", queue_name=ROUTE_QUEUE, connection=STORAGE_SETTING)
@failures_recorded(ROUTE_QUEUE)
def route(msg: func.QueueMessage) -> None:
    """A new conversation → a queue (rules, hours, overflow)."""
    services().route_step.route(msg.get_json()["conversationId"])


@bp.queue_trigger(arg_name="msg", queue_name=ASSIGN_QUEUE, connection=STORAGE_SETTING)
@failures_recorded(ASSIGN_QUEUE)
def assign(msg: func.QueueMessage) -> None:
    """A conversation to assign, or capacity that appeared (an agent, a queue) to fill."""
    data = msg.get_json()
    assign_step = services().assign_step
    if "conversationId" in data:
        assign_step.assign(data["conversationId"])
    elif "agentId" in data:
        assign_step.drain_for_agent(data["agentId"])
    elif "queueId" in data:
        assign_step.drain([data["queueId"]])


@bp.queue_trigger(arg_name="msg", queue_name=OUTBOUND_QUEUE, connection=STORAGE_SETTING)
@failures_recorded(OUTBOUND_QUEUE)
def outbound(msg: func.QueueMessage) -> None:
    """A conversation with queued outbound messages → WeChat, in order."""
    services().outbound_step.send_pending(msg.get_json()["conversationId"])


@bp.queue_trigger(arg_name="msg", queue_name=MEDIA_QUEUE, connection=STORAGE_SETTING)
@failures_recorded(MEDIA_QUEUE)
def media(msg: func.QueueMessage) -> None:
    """A customer's image, voice or video → Blob storage, before WeChat drops it."""
    data = msg.get_json()
    services().media_step.keep(data["conversationId"], data["key"])


@bp.queue_trigger(arg_name="msg", queue_name=BOT_QUEUE, connection=STORAGE_SETTING)
@failures_recorded(BOT_QUEUE)
def bot(msg: func.QueueMessage) -> None:
    """A customer's message in a bot-handled conversation → the workstream's bot."""
    data = msg.get_json()
    services().bot_step.handle(data["conversationId"], data["key"])
