"""Work queues between the pipeline's steps. Messages carry ids, never payloads
(docs/architecture.md §4)."""

from __future__ import annotations

import base64
import binascii
from typing import Generic, NamedTuple, TypeVar

from azure.core.exceptions import HttpResponseError
from azure.storage.queue import QueueClient

from shared.core.telemetry import current_traceparent
from shared.store.work_items import WorkItem

Item = TypeVar("Item", bound=WorkItem)


def message_body(text: str) -> bytes | None:
    """A queue message's body as the Functions host decodes it (base64, host.json
    ``messageEncoding``), or None when the text is not base64: what the poison-queue and erasure
    readers see of a message they did not write themselves."""
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


class Receipt(NamedTuple):
    """What deletes a message that was just put, while no step has taken it."""

    message_id: str
    pop_receipt: str | None  # the SDK's type; the service always sends one


class WorkQueue(Generic[Item]):
    """A queue that takes one kind of item (``shared/store/work_items.py``), and nothing else."""

    def __init__(self, client: QueueClient, item: type[Item]) -> None:
        self._client = client
        self._item = item

    @property
    def name(self) -> str:
        return self._client.queue_name

    def put(self, item: Item, *, delay_seconds: int | None = None) -> Receipt:
        """Send ``item``, carrying the current span's trace context unless it has its own."""
        if not isinstance(item, self._item):
            raise TypeError(
                f"queue {self.name} takes a {self._item.__name__}, not {type(item).__name__}"
            )
        if item.traceparent is None and (traceparent := current_traceparent()):
            item = item.model_copy(update={"traceparent": traceparent})
        sent = self._client.send_message(item.to_body(), visibility_timeout=delay_seconds)
        return Receipt(sent.id, sent.pop_receipt)

    def withdraw(self, receipt: Receipt) -> bool:
        """Delete a message put earlier, because its work is done; False when a step has taken
        it already (taking it changes the pop receipt) — that step then finds the work done."""
        try:
            self._client.delete_message(receipt.message_id, receipt.pop_receipt)
        except HttpResponseError as error:
            if error.status_code in (400, 404):
                return False
            raise
        return True
