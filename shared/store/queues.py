"""Work queues between the pipeline's steps. Messages carry ids, never payloads
(docs/architecture.md §4)."""

from __future__ import annotations

import json
from typing import Any

from azure.storage.queue import QueueClient


class WorkQueue:
    def __init__(self, client: QueueClient) -> None:
        self._client = client

    @property
    def name(self) -> str:
        return self._client.queue_name

    def put(self, message: dict[str, Any], *, delay_seconds: int | None = None) -> None:
        self._client.send_message(
            json.dumps(message, separators=(",", ":")), visibility_timeout=delay_seconds
        )
