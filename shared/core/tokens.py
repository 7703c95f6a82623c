"""Secret tokens (the admin's, an agent's) compared without leaking them through timing."""

from __future__ import annotations

import hashlib
import hmac


def tokens_match(expected: str, given: str) -> bool:
    """Constant-time comparison that also hides the expected token's length."""
    return hmac.compare_digest(
        hashlib.sha256(expected.encode()).digest(), hashlib.sha256(given.encode()).digest()
    )
