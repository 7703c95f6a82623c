"""The package's one exception family: every failure carries a stable code.

Callers map codes to HTTP statuses; nothing below ``shared.wechat`` lets a raw ``ValueError``,
``struct.error`` or ``binascii.Error`` escape, so a hostile request can never surface as a 500.
"""

from __future__ import annotations

from enum import Enum


class ErrorCode(str, Enum):
    BAD_SIGNATURE = "bad_signature"
    STALE_TIMESTAMP = "stale_timestamp"
    BAD_AES_KEY = "bad_aes_key"
    BAD_BASE64 = "bad_base64"
    BAD_CIPHERTEXT = "bad_ciphertext"
    BAD_PADDING = "bad_padding"
    BAD_BUFFER = "bad_buffer"
    BAD_APPID = "bad_appid"
    XML_REFUSED = "xml_refused"
    BAD_XML = "bad_xml"
    BODY_TOO_LARGE = "body_too_large"
    MODE_REFUSED = "mode_refused"
    BAD_REPLY = "bad_reply"


class WeChatError(Exception):
    """Base of everything ``shared.wechat`` raises."""


class ProtocolError(WeChatError):
    """A push, key or reply that breaks the callback protocol (PROTOCOL.md §1–§6).

    Messages describe what was wrong without echoing secrets or the offending payload.
    """

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"
