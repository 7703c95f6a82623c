"""Opening pushes in each message mode, with the configured mode enforced
(docs/protocol.md §2.1)."""

from __future__ import annotations

import pytest

from shared.wechat import (
    Channel,
    ErrorCode,
    MessageCipher,
    MessageMode,
    ProtocolError,
    TextMessage,
    TextReply,
    answer_push,
    open_push,
    parse_xml,
    sign,
    verify_url,
)
from tests.unit.wechat_support import ACCOUNT, KEY, refused
from tools.wechat_simulator import WeChatCustomer

OLD_KEY = "A" * 43
NOW = 1_714_112_445


def channel(mode: MessageMode, keys=(KEY,)) -> Channel:
    return Channel(token=ACCOUNT.token, app_id=ACCOUNT.app_id, mode=mode, encoding_aes_keys=keys)


@pytest.fixture
def customer() -> WeChatCustomer:
    return WeChatCustomer(ACCOUNT, "oCustomer1", clock=lambda: NOW)


class TestUrlVerification:
    def test_answers_echostr(self, customer):
        query = customer.verify_url_query("4375120948345356249")
        assert verify_url(query, channel(MessageMode.SAFE)) == "4375120948345356249"

    def test_wrong_token(self, customer):
        query = customer.verify_url_query()
        other = Channel(token="other", app_id=ACCOUNT.app_id, mode=MessageMode.PLAINTEXT)
        refused(ErrorCode.BAD_SIGNATURE, verify_url, query, other)

    @pytest.mark.parametrize("missing", ["signature", "timestamp", "nonce", "echostr"])
    def test_missing_parameter(self, customer, missing):
        query = customer.verify_url_query()
        del query[missing]
        refused(ErrorCode.BAD_SIGNATURE, verify_url, query, channel(MessageMode.SAFE))

    def test_stale_timestamp(self, customer):
        query = customer.verify_url_query()
        refused(
            ErrorCode.STALE_TIMESTAMP,
            verify_url,
            query,
            channel(MessageMode.SAFE),
            now=NOW + 601,
            tolerance_seconds=600,
        )
        assert verify_url(query, channel(MessageMode.SAFE), now=NOW + 599, tolerance_seconds=600)


class TestModes:
    @pytest.mark.parametrize(
        ("account_mode", "push_mode"),
        [
            (MessageMode.PLAINTEXT, "plaintext"),
            (MessageMode.COMPATIBLE, "compatible"),
            (MessageMode.SAFE, "safe"),
        ],
    )
    def test_accepted(self, customer, account_mode, push_mode):
        fields = customer.text("你好 😀")
        query, body = customer.push(fields, push_mode)
        push = open_push(body, query, channel(account_mode), now=NOW)
        assert isinstance(push.message, TextMessage)
        assert push.message.content == "你好 😀"
        assert push.message.msg_id == fields["MsgId"]
        assert push.encrypted is (push_mode != "plaintext")
        assert parse_xml(push.xml)["Content"] == "你好 😀"

    @pytest.mark.parametrize("encrypt_type", [None, "raw", "RAW"])
    def test_compatible_account_refuses_a_raw_push(self, customer, encrypt_type):
        """In compatible mode WeChat always sends the encrypted copy; a raw push can only be
        someone replaying a signed URL with a body of their own."""
        query, body = customer.push(customer.text("forged"), "plaintext")
        if encrypt_type:
            query["encrypt_type"] = encrypt_type
        refused(ErrorCode.MODE_REFUSED, open_push, body, query, channel(MessageMode.COMPATIBLE))

    def test_compatible_account_needs_msg_signature(self, customer):
        query, body = customer.push(customer.text("hi"), "compatible")
        del query["msg_signature"]
        refused(ErrorCode.BAD_SIGNATURE, open_push, body, query, channel(MessageMode.COMPATIBLE))

    def test_the_signed_timestamp_and_nonce_come_with_the_push(self, customer):
        query, body = customer.push(customer.text("hi"), "safe", nonce="12345")
        push = open_push(body, query, channel(MessageMode.SAFE), now=NOW)
        assert (push.timestamp, push.nonce) == (query["timestamp"], "12345")

    def test_safe_account_refuses_plaintext(self, customer):
        query, body = customer.push(customer.text("hi"), "plaintext")
        refused(ErrorCode.MODE_REFUSED, open_push, body, query, channel(MessageMode.SAFE))

    def test_safe_account_refuses_raw_encrypt_type(self, customer):
        query, body = customer.push(customer.text("hi"), "plaintext")
        query["encrypt_type"] = "raw"
        refused(ErrorCode.MODE_REFUSED, open_push, body, query, channel(MessageMode.SAFE))

    def test_plaintext_account_refuses_encrypted(self, customer):
        query, body = customer.push(customer.text("hi"), "safe")
        refused(ErrorCode.MODE_REFUSED, open_push, body, query, channel(MessageMode.PLAINTEXT))

    def test_unknown_encrypt_type(self, customer):
        query, body = customer.push(customer.text("hi"), "safe")
        query["encrypt_type"] = "rsa"
        refused(ErrorCode.MODE_REFUSED, open_push, body, query, channel(MessageMode.SAFE))

    def test_compatible_mode_reads_the_encrypted_copy(self, customer):
        """The plain fields of a compatible push are not covered by msg_signature; the
        decrypted copy is, so it is the one we keep."""
        fields = customer.text("genuine")
        query, body = customer.push(fields, "compatible")
        forged = body.replace(b"genuine", b"forged!")
        assert b"forged!" in forged
        push = open_push(forged, query, channel(MessageMode.COMPATIBLE), now=NOW)
        assert push.message.content == "genuine"

    def test_encrypted_mode_needs_a_key(self):
        refused(ErrorCode.BAD_AES_KEY, Channel, token="t", app_id="wx", mode=MessageMode.SAFE)


class TestSafeModeChecks:
    def test_bad_msg_signature(self, customer):
        query, body = customer.push(customer.text("hi"), "safe")
        query["msg_signature"] = "0" * 40
        refused(ErrorCode.BAD_SIGNATURE, open_push, body, query, channel(MessageMode.SAFE))

    def test_missing_msg_signature(self, customer):
        query, body = customer.push(customer.text("hi"), "safe")
        del query["msg_signature"]
        refused(ErrorCode.BAD_SIGNATURE, open_push, body, query, channel(MessageMode.SAFE))

    def test_bad_url_signature(self, customer):
        query, body = customer.push(customer.text("hi"), "safe")
        query["signature"] = sign("wrong", query["timestamp"], query["nonce"])
        refused(ErrorCode.BAD_SIGNATURE, open_push, body, query, channel(MessageMode.SAFE))

    def test_whitespace_around_encrypt_is_trimmed(self, customer):
        query, body = customer.push(customer.text("hi"), "safe")
        encrypted = parse_xml(body)["Encrypt"]
        padded = body.replace(encrypted.encode(), b"\n  " + encrypted.encode() + b"\n")
        assert open_push(padded, query, channel(MessageMode.SAFE)).message.content == "hi"

    def test_no_encrypt_element(self, customer):
        query, _ = customer.push(customer.text("hi"), "safe")
        body = b"<xml><ToUserName><![CDATA[gh_0123456789ab]]></ToUserName></xml>"
        refused(ErrorCode.BAD_XML, open_push, body, query, channel(MessageMode.SAFE))

    def test_stale_timestamp(self, customer):
        query, body = customer.push(customer.text("hi"), "safe", timestamp=NOW - 3600)
        refused(
            ErrorCode.STALE_TIMESTAMP, open_push, body, query, channel(MessageMode.SAFE), now=NOW
        )

    def test_body_too_large_before_anything_else(self):
        refused(
            ErrorCode.BODY_TOO_LARGE,
            open_push,
            b"x" * 2048,
            {},
            channel(MessageMode.SAFE),
            max_bytes=1024,
        )

    def test_xxe_inside_the_ciphertext_is_refused(self, customer):
        query, body = customer.push(customer.text("hi"), "safe")
        inner = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml>&e;</xml>'
        encrypted = MessageCipher(KEY, ACCOUNT.app_id).encrypt(inner)
        query["msg_signature"] = sign(ACCOUNT.token, query["timestamp"], query["nonce"], encrypted)
        body = f"<xml><Encrypt><![CDATA[{encrypted}]]></Encrypt></xml>".encode()
        refused(ErrorCode.XML_REFUSED, open_push, body, query, channel(MessageMode.SAFE))


class TestRotation:
    def test_previous_key_decrypts_and_the_reply_uses_it(self, customer):
        rotated = channel(MessageMode.SAFE, keys=(KEY, OLD_KEY))
        query, body = customer.push(customer.text("old key"), "safe", encoding_aes_key=OLD_KEY)
        push = open_push(body, query, rotated, now=NOW)
        assert (push.message.content, push.key_index) == ("old key", 1)

        envelope = parse_xml(
            answer_push(push, TextReply(content="ok"), rotated, nonce=query["nonce"], timestamp=NOW)
        )
        assert envelope["MsgSignature"] == sign(
            ACCOUNT.token, str(NOW), query["nonce"], envelope["Encrypt"]
        )
        reply = parse_xml(MessageCipher(OLD_KEY, ACCOUNT.app_id).decrypt(envelope["Encrypt"]))
        assert reply["Content"] == "ok"
        assert reply["ToUserName"] == "oCustomer1"
        assert reply["FromUserName"] == ACCOUNT.original_id

    def test_unknown_key_is_refused(self, customer):
        """Garbage from a wrong key usually fails the padding check, but about one time in
        256 its last byte is valid padding and the length or AppID check refuses it instead."""
        query, body = customer.push(customer.text("x"), "safe", encoding_aes_key="B" * 43)
        with pytest.raises(ProtocolError) as caught:
            open_push(body, query, channel(MessageMode.SAFE))
        undecryptable = {ErrorCode.BAD_PADDING, ErrorCode.BAD_BUFFER, ErrorCode.BAD_APPID}
        assert caught.value.code in undecryptable, caught.value


def test_plaintext_answer_is_plain_xml(customer):
    query, body = customer.push(customer.text("hi"), "plaintext")
    push = open_push(body, query, channel(MessageMode.PLAINTEXT))
    reply = parse_xml(
        answer_push(
            push,
            TextReply(content="hello"),
            channel(MessageMode.PLAINTEXT),
            nonce="n",
            timestamp=NOW,
        )
    )
    assert reply == {
        "ToUserName": "oCustomer1",
        "FromUserName": ACCOUNT.original_id,
        "CreateTime": str(NOW),
        "MsgType": "text",
        "Content": "hello",
    }


def test_channel_repr_shows_no_secret():
    text = repr(channel(MessageMode.SAFE))
    assert KEY not in text
    assert ACCOUNT.token not in text
