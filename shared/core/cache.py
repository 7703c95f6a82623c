"""A small time-limited cache for reads that happen on every request but change rarely."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_ENTRIES = 10_000


class CachedReader(Generic[T]):
    """``load(key)`` remembered for ``seconds``; a missing value (None) is remembered too, so
    a flood of unknown keys costs one load per key per period. ``forget`` drops entries at
    once (this process only: other instances see a change within ``seconds``)."""

    def __init__(self, load: Callable[[str], T | None], seconds: float) -> None:
        self._load = load
        self._seconds = seconds
        self._entries: dict[str, tuple[float, T | None]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> T | None:
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(key)
        if hit and hit[0] > now:
            return hit[1]
        value = self._load(key)
        with self._lock:
            if len(self._entries) > MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (now + self._seconds, value)
        return value

    def forget(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._entries.clear()
            else:
                self._entries.pop(key, None)
