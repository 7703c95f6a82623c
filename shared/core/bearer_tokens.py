"""Bearer tokens (the admin's, an agent's): made, kept as hashes and compared without leaking
them through timing. The other tokens have their own names: WeChat's Token is the account's
``token``, the access token is ``shared.channel.access_tokens`` and a page's is a continuation."""

from __future__ import annotations

import hashlib
import hmac
import secrets

AGENT_TOKEN_PREFIX = "agt_"  # noqa: S105 - a prefix, not a secret


def new_bearer_token() -> str:
    """An agent's bearer token: shown once (at creation or rotation), stored only as its hash."""
    return AGENT_TOKEN_PREFIX + secrets.token_urlsafe(32)


def bearer_token_hash(token: str) -> str:
    """SHA-256 of a 256-bit random token: lookups by hash reveal nothing about the token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_tokens_match(expected: str, given: str) -> bool:
    """Constant-time comparison that also hides the expected token's length."""
    return hmac.compare_digest(
        hashlib.sha256(expected.encode()).digest(), hashlib.sha256(given.encode()).digest()
    )
