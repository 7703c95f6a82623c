"""WorkQueue in memory, on the test's clock: a message put with a delay stays hidden for that
long, taking one hides it again and changes its pop receipt, and a withdraw needs the receipt
the message has now."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.store.work_queues import Receipt

VISIBILITY_TIMEOUT = 30
"""Seconds a taken message stays hidden (the storage default)."""


@dataclass
class _Message:
    id: str
    pop_receipt: str
    body: str
    visible_at: float


class FakeWorkQueue:
    def __init__(self, name: str, clock: Callable[[], float], item: type | None = None) -> None:
        """``item``: the one model this queue takes, as a typed real queue refuses others."""
        self._name = name
        self._clock = clock
        self._item = item
        self._messages: list[_Message] = []
        self._ids = itertools.count(1)

    @property
    def name(self) -> str:
        return self._name

    def put(self, message: Any, *, delay_seconds: int | None = None) -> Receipt:
        """The body is the text the real queue sends: a work item's own (``to_body``), else the
        dict's compact JSON."""
        if self._item is not None and not isinstance(message, self._item):
            raise TypeError(
                f"queue {self.name} takes a {self._item.__name__}, not {type(message).__name__}"
            )
        if hasattr(message, "to_body"):
            body = message.to_body()
        else:
            body = json.dumps(message, separators=(",", ":"))
        number = next(self._ids)
        stored = _Message(f"m{number}", f"p{number}.0", body, self._clock() + (delay_seconds or 0))
        self._messages.append(stored)
        return Receipt(stored.id, stored.pop_receipt)

    def withdraw(self, receipt: Receipt) -> bool:
        for stored in self._messages:
            if stored.id == receipt.message_id and stored.pop_receipt == receipt.pop_receipt:
                self._messages.remove(stored)
                return True
        return False

    # --- what a listener (the Functions host) does; tests use these to look ------------------

    def peek(self) -> list[dict[str, Any]]:
        """The bodies a listener could take now, oldest first; takes none."""
        now = self._clock()
        return [json.loads(m.body) for m in self._messages if m.visible_at <= now]

    def receive(
        self, visibility_timeout: int = VISIBILITY_TIMEOUT
    ) -> tuple[dict[str, Any], Receipt] | None:
        """Take the oldest visible message: hidden for ``visibility_timeout`` seconds, with a
        new pop receipt (the one to delete it with) → its body and that receipt."""
        now = self._clock()
        for stored in self._messages:
            if stored.visible_at <= now:
                stored.visible_at = now + visibility_timeout
                stored.pop_receipt = f"{stored.pop_receipt.split('.')[0]}.{next(self._ids)}"
                return json.loads(stored.body), Receipt(stored.id, stored.pop_receipt)
        return None

    def clear(self) -> None:
        self._messages.clear()
