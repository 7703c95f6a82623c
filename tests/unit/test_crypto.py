"""Safe-mode crypto: round trips, key rotation, and a refusal with its own code for every
way a ciphertext can be wrong (docs/protocol.md §2.2)."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from shared.wechat import (
    ErrorCode,
    MessageCipher,
    MessageCrypto,
    decode_encoding_aes_key,
)
from tests.unit.wechat_support import APP_ID, KEY, refused

OTHER_KEY = "A" * 43


def raw_encrypt(plain: bytes, encoding_aes_key: str = KEY) -> str:
    """AES-CBC over ``plain`` exactly as given: lets a test choose the padding bytes."""
    key = decode_encoding_aes_key(encoding_aes_key)
    encryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def layout(message: bytes, app_id: bytes = APP_ID.encode(), length: int | None = None) -> bytes:
    size = len(message) if length is None else length
    return b"0123456789abcdef" + size.to_bytes(4, "big") + message + app_id


def pad32(plain: bytes) -> bytes:
    n = 32 - len(plain) % 32
    return plain + bytes([n]) * n


@pytest.fixture
def cipher() -> MessageCipher:
    return MessageCipher(KEY, APP_ID)


def test_round_trip_counts_utf8_bytes(cipher):
    text = "<xml><Content><![CDATA[你好 😀]]></Content></xml>"
    encrypted = cipher.encrypt(text)
    assert cipher.decrypt(encrypted) == text
    key = decode_encoding_aes_key(KEY)
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    plain = decryptor.update(base64.b64decode(encrypted)) + decryptor.finalize()
    assert int.from_bytes(plain[16:20], "big") == len(text.encode("utf-8")) != len(text)
    assert len(plain) % 32 == 0


def test_pinned_random_prefix_is_deterministic(cipher):
    one = cipher.encrypt("x", random_prefix=b"1234567890123456")
    assert one == cipher.encrypt("x", random_prefix=b"1234567890123456")
    assert one != cipher.encrypt("x")


def test_injected_random_prefix_source():
    cipher = MessageCipher(KEY, APP_ID, random_prefix=lambda: b"A" * 16)
    assert cipher.encrypt("x") == cipher.encrypt("x", random_prefix=b"A" * 16)


def test_whitespace_around_ciphertext_is_trimmed(cipher):
    assert cipher.decrypt("\n  " + cipher.encrypt("hi") + " \r\n") == "hi"


def test_bad_base64(cipher):
    refused(ErrorCode.BAD_BASE64, cipher.decrypt, "not*base64!")


def test_empty_ciphertext(cipher):
    refused(ErrorCode.BAD_CIPHERTEXT, cipher.decrypt, "")


def test_truncated_ciphertext(cipher):
    data = base64.b64decode(cipher.encrypt("hello"))
    refused(ErrorCode.BAD_CIPHERTEXT, cipher.decrypt, base64.b64encode(data[:-5]).decode())


def test_ciphertext_missing_its_last_block(cipher):
    data = base64.b64decode(cipher.encrypt("hello"))
    error = refused(ErrorCode.BAD_PADDING, cipher.decrypt, base64.b64encode(data[:-16]).decode())
    assert "EncodingAESKey" in error.message


def test_wrong_app_id():
    encrypted = MessageCipher(KEY, "wx0000000000000000").encrypt("hello")
    refused(ErrorCode.BAD_APPID, MessageCipher(KEY, APP_ID).decrypt, encrypted)


def test_wrong_key_is_refused_as_bad_padding(cipher):
    """A wrong key cannot be told from tampering: both show as a broken padding."""
    encrypted = MessageCipher(OTHER_KEY, APP_ID).encrypt("hello", random_prefix=b"0" * 16)
    refused(ErrorCode.BAD_PADDING, cipher.decrypt, encrypted)


@pytest.mark.parametrize("pad_byte", [0, 33, 255])
def test_pad_byte_out_of_range(cipher, pad_byte):
    plain = layout(b"hello")
    plain += b"\x01" * (31 - len(plain) % 32) + bytes([pad_byte])
    refused(ErrorCode.BAD_PADDING, cipher.decrypt, raw_encrypt(plain))


def test_pad_bytes_that_disagree(cipher):
    plain = pad32(layout(b"hello"))
    n = plain[-1]
    assert n > 1
    tampered = plain[:-n] + bytes([n - 1]) + bytes([n]) * (n - 1)
    refused(ErrorCode.BAD_PADDING, cipher.decrypt, raw_encrypt(tampered))


def test_length_field_overruns_buffer(cipher):
    refused(ErrorCode.BAD_BUFFER, cipher.decrypt, raw_encrypt(pad32(layout(b"hello", length=4096))))


def test_buffer_too_short_for_length_field(cipher):
    plain = b"0123456789abcdef" + b"\x00\x00"
    refused(ErrorCode.BAD_BUFFER, cipher.decrypt, raw_encrypt(pad32(plain)))


def test_message_not_utf8(cipher):
    refused(ErrorCode.BAD_BUFFER, cipher.decrypt, raw_encrypt(pad32(layout(b"\xff\xfe"))))


@pytest.mark.parametrize(
    "key",
    ["A" * 42, "A" * 44, "A" * 42 + "+", "A" * 42 + "=", "中" * 43, None, ""],
)
def test_malformed_encoding_aes_key(key):
    refused(ErrorCode.BAD_AES_KEY, MessageCipher, key, APP_ID)


def test_random_prefix_must_be_16_bytes(cipher):
    refused(ErrorCode.BAD_REPLY, lambda: cipher.encrypt("x", random_prefix=b"short"))


class TestRotation:
    def test_current_key_reports_index_0(self):
        crypto = MessageCrypto(APP_ID, [KEY, OTHER_KEY])
        assert crypto.decrypt(MessageCipher(KEY, APP_ID).encrypt("new")) == ("new", 0)

    def test_previous_key_still_decrypts_and_reports_index_1(self):
        crypto = MessageCrypto(APP_ID, [KEY, OTHER_KEY])
        assert crypto.decrypt(MessageCipher(OTHER_KEY, APP_ID).encrypt("old")) == ("old", 1)

    def test_reply_uses_the_key_that_worked(self):
        crypto = MessageCrypto(APP_ID, [KEY, OTHER_KEY])
        _, index = crypto.decrypt(MessageCipher(OTHER_KEY, APP_ID).encrypt("old"))
        reply = crypto.encrypt("reply", key_index=index)
        assert MessageCipher(OTHER_KEY, APP_ID).decrypt(reply) == "reply"
        refused(ErrorCode.BAD_PADDING, MessageCipher(KEY, APP_ID).decrypt, reply)

    def test_no_key_works_raises_the_current_keys_error(self):
        crypto = MessageCrypto(APP_ID, [KEY, OTHER_KEY])
        encrypted = MessageCipher(KEY, "wx0000000000000000").encrypt("x")
        refused(ErrorCode.BAD_APPID, crypto.decrypt, encrypted)

    def test_key_independent_errors_are_raised_at_once(self):
        refused(ErrorCode.BAD_BASE64, MessageCrypto(APP_ID, [KEY, OTHER_KEY]).decrypt, "%%%")

    def test_needs_a_key(self):
        refused(ErrorCode.BAD_AES_KEY, MessageCrypto, APP_ID, [])
