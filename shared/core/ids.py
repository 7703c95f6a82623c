"""Identifiers that sort by creation time, so Table row keys list in a useful order."""

from __future__ import annotations

import re
import secrets
import time

_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base32, lower case
_TIME_CHARS = 10  # 50 bits of milliseconds: good until the year 37,000
_MAX_MS = 32**_TIME_CHARS - 1


def _base32(value: int, width: int) -> str:
    chars = []
    for _ in range(width):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def sortable_id(now: float | None = None, *, newest_first: bool = False) -> str:
    """20 characters: time (ms) then 50 random bits.

    ``newest_first`` inverts the time part, so that in a Table partition (which lists row keys
    in ascending order) the most recent rows come first.
    """
    ms = int((time.time() if now is None else now) * 1000)
    if newest_first:
        ms = _MAX_MS - ms
    return _base32(ms, _TIME_CHARS) + _base32(secrets.randbits(50), 10)


def short_id() -> str:
    """12 random characters for things people type and paste (account ids in URLs)."""
    return _base32(secrets.randbits(60), 12)


ROUTE_ID = re.compile(r"[A-Za-z0-9_.:~-]{1,256}")
"""What an id in a route can look like: accounts', conversations' and transcript lines' ids
(and OpenIDs) all do. Anything else (a ``%2F``, a control character) is refused before it
reaches a storage key."""
