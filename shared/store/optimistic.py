"""Optimistic concurrency: read, change, write only if nobody wrote meanwhile, else again.

Every store writes a row it has read under the ETag it read (``if_match``), or in a transaction
that fails as a whole when another writer got there first. The loser reads again and retries;
``retried`` is that loop, and ``ChangedError`` the one exception that says a write lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

ATTEMPTS = 8
"""Tries before giving up on a row that keeps changing: then the caller's own retry (a queue
message coming back, the console asking again) takes over."""


class ChangedError(Exception):
    """What a write depended on changed or vanished since it was read: read it again, retry."""


def retried(
    attempt: Callable[[], T],
    *,
    attempts: int = ATTEMPTS,
    exhausted: Exception | None = None,
    pause: Callable[[int], None] | None = None,
) -> T:
    """``attempt()`` (a fresh read, the change and the conditional write) until it does not
    raise ``ChangedError``, ``attempts`` times at most; then ``exhausted`` is raised, by default
    the last ``ChangedError``. ``pause(n)``, if given, runs before the n-th retry."""
    if attempts < 1:
        raise ValueError(f"attempts must be at least 1, not {attempts}")
    lost = ChangedError()
    for tried in range(attempts):
        if tried and pause is not None:
            pause(tried)
        try:
            return attempt()
        except ChangedError as error:
            lost = error
    raise exhausted if exhausted is not None else lost
