"""URL ``signature`` and ``msg_signature`` (docs/protocol.md §1, §2.2).

Both are SHA-1 over the lexicographically sorted strings, concatenated without a separator.
Comparison is constant-time: the signature is the only thing that authenticates a push.
"""

from __future__ import annotations

import hashlib
import hmac

from shared.wechat.errors import ErrorCode, ProtocolError


def sign(*parts: str) -> str:
    """SHA-1 hex of the sorted ``parts`` (3 for ``signature``, 4 for ``msg_signature``)."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signatures_match(expected: str, received: str | None) -> bool:
    if not received:
        return False
    return hmac.compare_digest(expected.encode("ascii"), received.strip().lower().encode("utf-8"))


def verify_signature(token: str, timestamp: str, nonce: str, signature: str | None) -> None:
    """Check the 3-string URL ``signature`` that every GET and POST carries."""
    if not signatures_match(sign(token, timestamp, nonce), signature):
        raise ProtocolError(ErrorCode.BAD_SIGNATURE, "signature does not match the token")


def verify_msg_signature(
    token: str, timestamp: str, nonce: str, encrypted: str, msg_signature: str | None
) -> None:
    """Check ``msg_signature`` over the ``Encrypt`` text of an encrypted push."""
    if not signatures_match(sign(token, timestamp, nonce, encrypted), msg_signature):
        raise ProtocolError(ErrorCode.BAD_SIGNATURE, "msg_signature does not match the token")


def check_timestamp(timestamp: str, *, now: float, tolerance_seconds: float) -> None:
    """Refuse a push whose ``timestamp`` is further than ``tolerance_seconds`` from ``now``.

    WeChat documents no freshness window (docs/protocol.md §1); without one a captured signed
    request could be replayed forever.
    """
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        raise ProtocolError(ErrorCode.STALE_TIMESTAMP, "timestamp is not a number") from None
    if abs(now - sent) > tolerance_seconds:
        raise ProtocolError(
            ErrorCode.STALE_TIMESTAMP,
            f"timestamp is more than {int(tolerance_seconds)} seconds away from server time",
        )
