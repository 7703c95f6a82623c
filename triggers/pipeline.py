"""Queue triggers: the conversation pipeline's steps (docs/architecture.md §2)."""

from __future__ import annotations

import functools
from collections.abc import Callable

import azure.functions as func

from shared.settings import STORAGE_SETTING
from shared.store.names import (
    ASSIGN_QUEUE,
    BOT_QUEUE,
    INBOUND_QUEUE,
    MEDIA_QUEUE,
    OUTBOUND_QUEUE,
    ROUTE_QUEUE,
)

from .runtime import services

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
def conversation_step(msg: func.QueueMessage) -> None:
    """A stored push → its customer's conversation (opened if none is open), routed and
    assigned at once when it is new."""
    data = msg.get_json()
    services().intake.take_and_route(data["accountId"], data["key"])


@bp.queue_trigger(arg_name="msg", queue_name=ROUTE_QUEUE, connection=STORAGE_SETTING)
@failures_recorded(ROUTE_QUEUE)
def route_step(msg: func.QueueMessage) -> None:
    """A new conversation → a queue (rules, hours, overflow)."""
    services().router.route(msg.get_json()["conversationId"])


@bp.queue_trigger(arg_name="msg", queue_name=ASSIGN_QUEUE, connection=STORAGE_SETTING)
@failures_recorded(ASSIGN_QUEUE)
def assign_step(msg: func.QueueMessage) -> None:
    """A conversation to assign, or capacity that appeared (an agent, a queue) to fill."""
    data = msg.get_json()
    assigner = services().assigner
    if "conversationId" in data:
        assigner.assign(data["conversationId"])
    elif "agentId" in data:
        assigner.drain_for_agent(data["agentId"])
    elif "queueId" in data:
        assigner.drain([data["queueId"]])


@bp.queue_trigger(arg_name="msg", queue_name=OUTBOUND_QUEUE, connection=STORAGE_SETTING)
@failures_recorded(OUTBOUND_QUEUE)
def send_step(msg: func.QueueMessage) -> None:
    """A conversation with queued outbound messages → WeChat, in order."""
    services().sender.send_pending(msg.get_json()["conversationId"])


@bp.queue_trigger(arg_name="msg", queue_name=MEDIA_QUEUE, connection=STORAGE_SETTING)
@failures_recorded(MEDIA_QUEUE)
def media_step(msg: func.QueueMessage) -> None:
    """A customer's image, voice or video → Blob storage, before WeChat drops it."""
    data = msg.get_json()
    services().media.keep(data["conversationId"], data["key"])


@bp.queue_trigger(arg_name="msg", queue_name=BOT_QUEUE, connection=STORAGE_SETTING)
@failures_recorded(BOT_QUEUE)
def bot_step(msg: func.QueueMessage) -> None:
    """A customer's message in a bot-handled conversation → the workstream's bot."""
    data = msg.get_json()
    services().bots.handle(data["conversationId"], data["key"])
