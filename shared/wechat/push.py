"""The callback protocol: URL verification and opening a push in each message mode.

One account, one mode (docs/protocol.md §2.1). The URL ``signature`` covers the token, timestamp
and nonce but never the body, so a plaintext push is only as trustworthy as the secrecy of
one signed URL: whoever sees one (a log, telemetry) can send any body with it until the
timestamp goes stale. The configured mode is therefore enforced, and compatible mode is
treated as safe mode: WeChat always sends the encrypted copy there, so ``encrypt_type=aes``
and ``msg_signature`` are required and only the decrypted copy is read (docs/protocol.md §12,
downgrade).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import Enum
from typing import NamedTuple

from shared.wechat.crypto import MessageCrypto
from shared.wechat.errors import ErrorCode, ProtocolError
from shared.wechat.messages import MAX_BODY_BYTES, InboundMessage, message_from_fields, parse_xml
from shared.wechat.replies import Reply, render_reply, seal_reply
from shared.wechat.signature import check_timestamp, verify_msg_signature, verify_signature


class MessageMode(str, Enum):
    PLAINTEXT = "plaintext"
    COMPATIBLE = "compatible"
    SAFE = "safe"


class Channel:
    """What the protocol needs to know of one WeChat account.

    ``encoding_aes_keys`` holds the current EncodingAESKey first and, during a rotation, the
    previous one; it may be empty only in plaintext mode. The repr shows no secret.
    """

    __slots__ = ("_crypto", "app_id", "mode", "token")

    def __init__(
        self,
        *,
        token: str,
        app_id: str,
        mode: MessageMode,
        encoding_aes_keys: Sequence[str] = (),
    ) -> None:
        if mode is not MessageMode.PLAINTEXT and not encoding_aes_keys:
            raise ProtocolError(ErrorCode.BAD_AES_KEY, f"{mode.value} mode needs an EncodingAESKey")
        self.token = token
        self.app_id = app_id
        self.mode = mode
        self._crypto = MessageCrypto(app_id, encoding_aes_keys) if encoding_aes_keys else None

    @property
    def crypto(self) -> MessageCrypto:
        if self._crypto is None:
            raise ProtocolError(ErrorCode.BAD_AES_KEY, "the account has no EncodingAESKey")
        return self._crypto

    def __repr__(self) -> str:
        return f"Channel(app_id={self.app_id!r}, mode={self.mode.value!r})"


class Push(NamedTuple):
    """An opened push: the model, the plaintext XML it came from, how it was wrapped, and the
    signed ``timestamp`` and ``nonce`` of its URL (which a replay would reuse)."""

    message: InboundMessage
    xml: str
    encrypted: bool
    key_index: int | None = None
    """Which EncodingAESKey decrypted it (0 current, 1 previous); reply with the same one."""
    timestamp: str = ""
    nonce: str = ""


def _param(query: Mapping[str, str], name: str) -> str:
    value = query.get(name)
    if not value:
        raise ProtocolError(ErrorCode.BAD_SIGNATURE, f"query parameter {name} is missing")
    return value


def _check_url(
    query: Mapping[str, str], channel: Channel, now: float | None, tolerance_seconds: float
) -> tuple[str, str]:
    timestamp, nonce = _param(query, "timestamp"), _param(query, "nonce")
    verify_signature(channel.token, timestamp, nonce, query.get("signature"))
    if now is not None:
        check_timestamp(timestamp, now=now, tolerance_seconds=tolerance_seconds)
    return timestamp, nonce


def verify_url(
    query: Mapping[str, str],
    channel: Channel,
    *,
    now: float | None = None,
    tolerance_seconds: float = 600,
) -> str:
    """The GET that WeChat sends when the server URL is saved: answer ``echostr`` verbatim."""
    _check_url(query, channel, now, tolerance_seconds)
    return _param(query, "echostr")


def open_push(
    body: bytes,
    query: Mapping[str, str],
    channel: Channel,
    *,
    now: float | None = None,
    tolerance_seconds: float = 600,
    max_bytes: int = MAX_BODY_BYTES,
) -> Push:
    """Verify, decrypt and parse one POST from WeChat.

    Checks run cheapest-first and nothing is decrypted or parsed before the URL signature
    holds. ``now`` (epoch seconds) turns on the replay window of ``tolerance_seconds``.
    """
    if len(body) > max_bytes:
        raise ProtocolError(ErrorCode.BODY_TOO_LARGE, f"body is larger than {max_bytes} bytes")
    timestamp, nonce = _check_url(query, channel, now, tolerance_seconds)

    encrypt_type = (query.get("encrypt_type") or "raw").lower()
    if encrypt_type not in ("raw", "aes"):
        raise ProtocolError(ErrorCode.MODE_REFUSED, "encrypt_type must be raw or aes")
    encrypted = encrypt_type == "aes"
    if encrypted and channel.mode is MessageMode.PLAINTEXT:
        raise ProtocolError(
            ErrorCode.MODE_REFUSED,
            "the account is in plaintext mode but the push is encrypted; "
            "set its messageMode to match the WeChat console",
        )
    if not encrypted and channel.mode is not MessageMode.PLAINTEXT:
        raise ProtocolError(
            ErrorCode.MODE_REFUSED,
            f"the account is in {channel.mode.value} mode, in which WeChat sends every push "
            "encrypted: a push without encrypt_type=aes is refused",
        )

    outer = parse_xml(body, max_bytes=max_bytes)
    if not encrypted:
        try:
            xml = body.decode("utf-8")
        except UnicodeDecodeError:
            raise ProtocolError(ErrorCode.BAD_XML, "body must be UTF-8") from None
        return Push(
            message_from_fields(outer), xml, encrypted=False, timestamp=timestamp, nonce=nonce
        )

    ciphertext = outer.get("Encrypt")
    if not isinstance(ciphertext, str) or not ciphertext.strip():
        raise ProtocolError(ErrorCode.BAD_XML, "encrypted push has no Encrypt element")
    ciphertext = ciphertext.strip()
    verify_msg_signature(channel.token, timestamp, nonce, ciphertext, query.get("msg_signature"))
    xml, key_index = channel.crypto.decrypt(ciphertext)
    inner = parse_xml(xml, max_bytes=max_bytes)
    return Push(
        message_from_fields(inner),
        xml,
        encrypted=True,
        key_index=key_index,
        timestamp=timestamp,
        nonce=nonce,
    )


def answer_push(
    push: Push,
    reply: Reply,
    channel: Channel,
    *,
    nonce: str,
    timestamp: int,
    random_prefix: bytes | None = None,
) -> str:
    """A passive reply to ``push``, encrypted when the push was (with the same key)."""
    xml = render_reply(
        reply,
        to_user_name=push.message.from_user_name,
        from_user_name=push.message.to_user_name,
        create_time=timestamp,
    )
    if not push.encrypted:
        return xml
    return seal_reply(
        xml,
        crypto=channel.crypto,
        token=channel.token,
        timestamp=timestamp,
        nonce=nonce,
        key_index=push.key_index or 0,
        random_prefix=random_prefix,
    )
