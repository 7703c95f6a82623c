"""Safe-mode message crypto, exactly as docs/protocol.md §2.2.

Plaintext layout: 16 random bytes | 4-byte big-endian length of the message in UTF-8 bytes |
message | AppID, padded with PKCS#7 to a multiple of 32 bytes (not AES's 16), then
AES-256-CBC with the IV taken from the first 16 bytes of the key, then Base64.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Callable, Sequence
from typing import NamedTuple

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from shared.wechat.errors import ErrorCode, ProtocolError

PAD_BLOCK = 32
RANDOM_PREFIX_BYTES = 16
_ENCODING_AES_KEY = re.compile(r"[A-Za-z0-9]{43}")


def _b64decode_strict(text: str) -> bytes:
    return binascii.a2b_base64(text, strict_mode=True)


def default_random_prefix() -> bytes:
    """16 ASCII hex characters, the shape WeChat's own prefixes have."""
    return secrets.token_hex(RANDOM_PREFIX_BYTES // 2).encode("ascii")


def decode_encoding_aes_key(encoding_aes_key: str) -> bytes:
    """EncodingAESKey (43 letters and digits) → the 32-byte AES key."""
    if not isinstance(encoding_aes_key, str) or not _ENCODING_AES_KEY.fullmatch(encoding_aes_key):
        raise ProtocolError(ErrorCode.BAD_AES_KEY, "EncodingAESKey must be 43 letters and digits")
    return base64.b64decode(encoding_aes_key + "=")


class MessageCipher:
    """Encrypts and decrypts push bodies for one EncodingAESKey and AppID."""

    __slots__ = ("_app_id", "_cipher", "_random_prefix")

    def __init__(
        self,
        encoding_aes_key: str,
        app_id: str,
        *,
        random_prefix: Callable[[], bytes] = default_random_prefix,
    ) -> None:
        key = decode_encoding_aes_key(encoding_aes_key)
        self._cipher = Cipher(algorithms.AES(key), modes.CBC(key[:16]))
        self._app_id = app_id.encode("utf-8")
        self._random_prefix = random_prefix

    def encrypt(self, text: str, *, random_prefix: bytes | None = None) -> str:
        prefix = self._random_prefix() if random_prefix is None else random_prefix
        if len(prefix) != RANDOM_PREFIX_BYTES:
            raise ProtocolError(ErrorCode.BAD_REPLY, "the random prefix must be 16 bytes")
        body = text.encode("utf-8")
        plain = b"".join((prefix, len(body).to_bytes(4, "big"), body, self._app_id))
        pad = PAD_BLOCK - len(plain) % PAD_BLOCK
        plain += bytes((pad,)) * pad
        encryptor = self._cipher.encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        try:
            data = _b64decode_strict(encrypted.strip())
        except (binascii.Error, ValueError):
            raise ProtocolError(ErrorCode.BAD_BASE64, "Encrypt is not valid Base64") from None
        if not data or len(data) % 16:
            raise ProtocolError(
                ErrorCode.BAD_CIPHERTEXT, "ciphertext is not a whole number of AES blocks"
            )
        decryptor = self._cipher.decryptor()
        plain = decryptor.update(data) + decryptor.finalize()

        pad = plain[-1]
        if not 1 <= pad <= PAD_BLOCK or plain[-pad:] != bytes((pad,)) * pad:
            raise ProtocolError(
                ErrorCode.BAD_PADDING, "padding is invalid (wrong EncodingAESKey or tampering)"
            )
        content = memoryview(plain)[RANDOM_PREFIX_BYTES : len(plain) - pad]
        if len(content) < 4:
            raise ProtocolError(ErrorCode.BAD_BUFFER, "decrypted buffer is too short")
        length = int.from_bytes(content[:4], "big")
        if length > len(content) - 4:
            raise ProtocolError(ErrorCode.BAD_BUFFER, "length field overruns the buffer")
        if content[4 + length :] != self._app_id:
            raise ProtocolError(ErrorCode.BAD_APPID, "message is addressed to another AppID")
        try:
            return str(content[4 : 4 + length], "utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(ErrorCode.BAD_BUFFER, "message is not valid UTF-8") from None


class Decrypted(NamedTuple):
    text: str
    key_index: int
    """0 for the current EncodingAESKey, 1 for the previous one (during rotation)."""


class MessageCrypto:
    """An account's ciphers: the current EncodingAESKey first, then the previous one.

    WeChat's FAQ asks receivers to keep the previous key after a rotation, try the current
    key first, and encrypt the reply with whichever key decrypted the request
    (docs/protocol.md §2.2).
    """

    __slots__ = ("_ciphers",)

    def __init__(
        self,
        app_id: str,
        encoding_aes_keys: Sequence[str],
        *,
        random_prefix: Callable[[], bytes] = default_random_prefix,
    ) -> None:
        if not encoding_aes_keys:
            raise ProtocolError(ErrorCode.BAD_AES_KEY, "at least one EncodingAESKey is needed")
        self._ciphers = tuple(
            MessageCipher(key, app_id, random_prefix=random_prefix) for key in encoding_aes_keys
        )

    def decrypt(self, encrypted: str) -> Decrypted:
        """Decrypt with the first key that works; if none does, raise the current key's error."""
        errors: list[ProtocolError] = []
        for index, cipher in enumerate(self._ciphers):
            try:
                return Decrypted(cipher.decrypt(encrypted), index)
            except ProtocolError as error:
                if error.code in (ErrorCode.BAD_BASE64, ErrorCode.BAD_CIPHERTEXT):
                    raise  # the same for every key
                errors.append(error)
        raise errors[0]

    def encrypt(self, text: str, *, key_index: int = 0, random_prefix: bytes | None = None) -> str:
        return self._ciphers[key_index].encrypt(text, random_prefix=random_prefix)
