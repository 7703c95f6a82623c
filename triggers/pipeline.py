"""Queue triggers: the conversation pipeline's steps (DESIGN.md §2)."""

from __future__ import annotations

import azure.functions as func

from shared.store.names import INBOUND_QUEUE

from .runtime import services

bp = func.Blueprint()


@bp.queue_trigger(arg_name="msg", queue_name=INBOUND_QUEUE, connection="AzureWebJobsStorage")
def conversation_step(msg: func.QueueMessage) -> None:
    """A stored push → its customer's conversation (opened if none is open)."""
    data = msg.get_json()
    services().intake.take(data["accountId"], data["key"])
