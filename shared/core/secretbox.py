"""Secrets at rest: AES-256-GCM under ``SECRETS_KEY``, with the key's id stored beside them.

The id lets the key rotate: set the new key as ``SECRETS_KEY`` and the old one as
``SECRETS_KEY_PREVIOUS``; what was sealed under the old key still opens, and is sealed under
the new key the next time it is written.

The associated data (``context``, see ``purpose_context``) names what a sealed value is for and
the values stored beside it in plain sight that must not change: a sealed value moved to a row
of another purpose or owner, or a row whose bound values were edited in storage, does not open.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM


class SecretBoxError(Exception):
    """A sealed value could not be opened: unknown key id, wrong context, or tampering."""


def purpose_context(purpose: str, **bound: str | bool | None) -> str:
    """The associated data for ``purpose`` ("account-secrets", "access-token"…) and the plain
    values the secret is bound to, as canonical JSON (no separator a value could forge)."""
    return json.dumps({"purpose": purpose, **bound}, sort_keys=True, separators=(",", ":"))


class SecretBox:
    def __init__(self, keys: Mapping[str, bytes]) -> None:
        """``keys``: key id → 32-byte key, the current key first."""
        if not keys:
            raise ValueError("SecretBox needs at least one key")
        self._keys = dict(keys)
        self.current_key_id = next(iter(self._keys))

    def seal(self, values: Mapping[str, str], context: str) -> tuple[str, str]:
        """Encrypt ``values`` bound to ``context`` (``purpose_context``) → (key id, sealed
        text)."""
        nonce = os.urandom(12)
        plain = json.dumps(dict(values), separators=(",", ":")).encode("utf-8")
        sealed = AESGCM(self._keys[self.current_key_id]).encrypt(nonce, plain, context.encode())
        return self.current_key_id, base64.b64encode(nonce + sealed).decode("ascii")

    def open(self, key_id: str, sealed: str, context: str) -> dict[str, str]:
        key = self._keys.get(key_id)
        if key is None:
            raise SecretBoxError(
                f"secrets were sealed with key {key_id}, which is neither SECRETS_KEY nor "
                "SECRETS_KEY_PREVIOUS"
            )
        try:
            raw = base64.b64decode(sealed)
            plain = AESGCM(key).decrypt(raw[:12], raw[12:], context.encode())
        except (InvalidTag, ValueError):
            raise SecretBoxError(
                "sealed secrets do not open: they, or the values stored beside them, were "
                "changed or moved outside the app"
            ) from None
        values: dict[str, str] = json.loads(plain)  # what seal() wrote: the tag proves it
        return values
