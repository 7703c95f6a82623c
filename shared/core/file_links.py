"""Short-lived links to stored files, for customers: a file WeChat cannot carry as media goes
out as a text message with one of these. The link names the blob and its expiry, signed with
a key derived from SECRETS_KEY, so serving it needs no storage key and no database read."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

from shared.core import base64url


class FileLinks:
    LIFETIME = timedelta(days=3)

    def __init__(self, secrets_key: bytes, public_base_url: str) -> None:
        self._key = hashlib.sha256(b"file-links\x00" + secrets_key).digest()
        self._base = public_base_url.rstrip("/")

    def _sign(self, payload: str) -> str:
        return base64url.encode(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def url(self, blob: str, now: datetime) -> str:
        expires = int((now + self.LIFETIME).timestamp())
        payload = base64url.encode(
            json.dumps({"b": blob, "e": expires}, separators=(",", ":")).encode()
        )
        return f"{self._base}/api/files/{payload}.{self._sign(payload)}"

    def blob(self, token: str, now: datetime) -> str | None:
        """The blob a link names, or None if it is forged, altered or expired."""
        payload, _, signature = token.partition(".")
        if not payload or not hmac.compare_digest(signature.encode(), self._sign(payload).encode()):
            return None
        try:
            data = json.loads(base64url.decode(payload))
            blob, expires = str(data["b"]), int(data["e"])
        except (ValueError, KeyError, TypeError):
            return None
        if datetime.fromtimestamp(expires, tz=timezone.utc) <= now:
            return None
        return blob
