"""What ``GET /api/health`` reports: whether the app's storage answers, and nothing else.

One cheap request per service (a point read, the inbound queue's properties, the attachments
container's properties), with no retries and a short timeout so that a probe answers
promptly when storage is down, and cached for a few seconds so that an anonymous probe
cannot multiply into storage traffic. Errors are logged by type only: a health answer and
its log reveal no endpoint, account or key.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from shared.store import StorageClients
from shared.store.names import ACCOUNTS_TABLE, ATTACHMENTS_CONTAINER, INBOUND_WORK_QUEUE

log = logging.getLogger(__name__)

CACHE_SECONDS = 5.0
PROBE: dict[str, Any] = {"retry_total": 0, "connection_timeout": 3, "read_timeout": 3}
"""Per-request options for the SDKs: one try, three seconds."""


class StorageHealth:
    def __init__(
        self,
        storage: StorageClients,
        cache_seconds: float = CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._storage = storage
        self._cache_seconds = cache_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._last: tuple[float, dict[str, bool]] | None = None

    def check(self) -> dict[str, bool]:
        """Service → whether it answered: ``tables``, ``queues``, ``blobs``."""
        with self._lock:
            if self._last and self._clock() < self._last[0]:
                return self._last[1]
            answers = {
                "tables": self._answers(self._probe_tables),
                "queues": self._answers(
                    lambda: self._storage.queue(INBOUND_WORK_QUEUE).get_queue_properties(**PROBE)
                ),
                "blobs": self._answers(
                    lambda: self._storage.container(ATTACHMENTS_CONTAINER).get_container_properties(
                        **PROBE
                    )
                ),
            }
            self._last = (self._clock() + self._cache_seconds, answers)
            return answers

    def _probe_tables(self) -> Any:
        # A row that never exists: "not found" is an answer too.
        rows = self._storage.table(ACCOUNTS_TABLE).query_entities(
            "PartitionKey eq 'health'", results_per_page=1, **PROBE
        )
        return next(iter(rows), None)

    @staticmethod
    def _answers(probe: Callable[[], Any]) -> bool:
        try:
            probe()
        except Exception as error:  # any failure means "does not answer"
            log.warning("health: storage did not answer (%s)", type(error).__name__)
            return False
        return True
