"""The parts of ``host.json`` devhost honours: the HTTP route prefix and the queue options.

Defaults are the host's own (Functions v4, Storage Queues extension v5), so an app whose
``host.json`` says nothing behaves here as it would in Azure.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from devhost.errors import StartupError
from devhost.timespan import parse_timespan

HOST_FILE = "host.json"
MAX_BATCH_SIZE = 32  # the Storage Queues service returns at most 32 messages per request
MIN_POLLING_INTERVAL = timedelta(milliseconds=100)


@dataclass(frozen=True)
class QueueOptions:
    """``extensions.queues`` of host.json."""

    batch_size: int = 16
    new_batch_threshold: int = 8
    max_polling_interval: timedelta = timedelta(minutes=1)
    visibility_timeout: timedelta = timedelta(0)
    max_dequeue_count: int = 5
    message_encoding: str = "base64"

    @property
    def max_concurrency(self) -> int:
        """The host fetches a new batch when at most ``new_batch_threshold`` are running."""
        return self.batch_size + self.new_batch_threshold


@dataclass(frozen=True)
class HostConfig:
    route_prefix: str = "api"
    queues: QueueOptions = field(default_factory=QueueOptions)

    @classmethod
    def load(cls, root: Path) -> HostConfig:
        """Read ``root/host.json``; like ``func start``, refuse a folder without one."""
        path = root / HOST_FILE
        if not path.exists():
            raise StartupError(f"{path} not found: --root must be the function app's folder")
        try:
            document = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise StartupError(f"{path}: cannot be read as JSON: {error}") from None
        return cls.from_document(document, source=str(path))

    @classmethod
    def from_document(cls, document: dict[str, Any], *, source: str = HOST_FILE) -> HostConfig:
        extensions = document.get("extensions") or {}
        http = extensions.get("http") or {}
        route_prefix = http.get("routePrefix", "api")
        if not isinstance(route_prefix, str):
            raise StartupError(f"{source}: extensions.http.routePrefix must be a string")
        return cls(
            route_prefix=route_prefix.strip("/"),
            queues=_queue_options(extensions.get("queues") or {}, source),
        )


def _queue_options(section: dict[str, Any], source: str) -> QueueOptions:
    where = f"{source}: extensions.queues"
    defaults = QueueOptions()

    def integer(name: str, default: int, low: int, high: int) -> int:
        value = section.get(name, default)
        if not isinstance(value, int) or not low <= value <= high:
            raise StartupError(f"{where}.{name} must be an integer from {low} to {high}")
        return value

    def duration(name: str, default: timedelta) -> timedelta:
        if name not in section:
            return default
        try:
            return parse_timespan(str(section[name]))
        except ValueError as error:
            raise StartupError(f"{where}.{name}: {error}") from None

    batch_size = integer("batchSize", defaults.batch_size, 1, MAX_BATCH_SIZE)
    new_batch_threshold = integer("newBatchThreshold", batch_size // 2, 0, 10_000)
    max_polling_interval = duration("maxPollingInterval", defaults.max_polling_interval)
    if max_polling_interval < MIN_POLLING_INTERVAL:
        raise StartupError(f"{where}.maxPollingInterval must be at least 00:00:00.1")
    encoding = str(section.get("messageEncoding", defaults.message_encoding)).lower()
    if encoding not in ("base64", "none"):
        raise StartupError(f"{where}.messageEncoding must be 'base64' or 'none'")
    return QueueOptions(
        batch_size=batch_size,
        new_batch_threshold=new_batch_threshold,
        max_polling_interval=max_polling_interval,
        visibility_timeout=duration("visibilityTimeout", defaults.visibility_timeout),
        max_dequeue_count=integer("maxDequeueCount", defaults.max_dequeue_count, 1, 10_000),
        message_encoding=encoding,
    )
