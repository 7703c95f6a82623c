"""wechatpy 1.8.18 as an independent oracle, in both directions (docs/protocol.md §3, §12).

wechatpy is a test-only dependency; nothing at runtime imports it.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from wechatpy import parse_message as wechatpy_parse
from wechatpy.crypto import PrpCrypto, WeChatCrypto
from wechatpy.utils import check_signature

from shared.wechat import (
    Channel,
    MessageCipher,
    MessageCrypto,
    MessageMode,
    TextReply,
    answer_push,
    decode_encoding_aes_key,
    open_push,
    parse_message,
    parse_xml,
    sign,
)
from tests.unit.wechat_support import ACCOUNT, KEY
from tools.wechat_simulator import WeChatCustomer, push_xml

CHANNEL = Channel(
    token=ACCOUNT.token, app_id=ACCOUNT.app_id, mode=MessageMode.SAFE, encoding_aes_keys=[KEY]
)

xml_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\r"),
    max_size=300,
) | st.sampled_from(["", "中文", "😀👍", "]]>", "<&'\">"])
ascii_params = st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=40)


@settings(max_examples=60, deadline=None)
@given(text=xml_text)
def test_we_encrypt_wechatpy_decrypts(text):
    encrypted = MessageCipher(KEY, ACCOUNT.app_id).encrypt(text)
    assert PrpCrypto(decode_encoding_aes_key(KEY)).decrypt(encrypted, ACCOUNT.app_id) == text


@settings(max_examples=60, deadline=None)
@given(text=xml_text)
def test_wechatpy_encrypts_we_decrypt(text):
    encrypted = PrpCrypto(decode_encoding_aes_key(KEY)).encrypt(text, ACCOUNT.app_id).decode()
    assert MessageCipher(KEY, ACCOUNT.app_id).decrypt(encrypted) == text


@settings(max_examples=200, deadline=None)
@given(token=ascii_params, timestamp=ascii_params, nonce=ascii_params)
def test_signatures_agree(token, timestamp, nonce):
    ours = sign(token, timestamp, nonce)
    check_signature(token, ours, timestamp, nonce)  # raises if wechatpy disagrees


@settings(max_examples=100, deadline=None)
@given(token=ascii_params, timestamp=ascii_params, nonce=ascii_params, encrypt=ascii_params)
def test_msg_signatures_agree(token, timestamp, nonce, encrypt):
    from wechatpy.crypto import _get_signature

    assert sign(token, timestamp, nonce, encrypt) == _get_signature(
        token, timestamp, nonce, encrypt
    )


def test_our_safe_push_through_wechatpy():
    customer = WeChatCustomer(ACCOUNT, "oCustomer1")
    query, body = customer.push(customer.text("你好 😀"), "safe")
    crypto = WeChatCrypto(ACCOUNT.token, KEY, ACCOUNT.app_id)
    xml = crypto.decrypt_message(body, query["msg_signature"], query["timestamp"], query["nonce"])
    assert wechatpy_parse(xml).content == "你好 😀"


def test_wechatpy_envelope_through_open_push():
    """wechatpy builds an encrypted envelope; we open it as an incoming safe-mode push."""
    customer = WeChatCustomer(ACCOUNT, "oCustomer1")
    crypto = WeChatCrypto(ACCOUNT.token, KEY, ACCOUNT.app_id)
    inner = push_xml(customer.text("来自 wechatpy"))
    envelope = parse_xml(crypto.encrypt_message(inner, nonce="12345", timestamp="1700000000"))
    query = {
        "signature": sign(ACCOUNT.token, "1700000000", "12345"),
        "timestamp": "1700000000",
        "nonce": "12345",
        "encrypt_type": "aes",
        "msg_signature": envelope["MsgSignature"],
    }
    body = push_xml({"ToUserName": ACCOUNT.original_id, "Encrypt": envelope["Encrypt"]})
    assert open_push(body.encode(), query, CHANNEL).message.content == "来自 wechatpy"


def test_our_reply_envelope_through_wechatpy():
    customer = WeChatCustomer(ACCOUNT, "oCustomer1")
    query, body = customer.push(customer.text("hi"), "safe")
    push = open_push(body, query, CHANNEL)
    envelope = answer_push(
        push, TextReply(content="回复"), CHANNEL, nonce=query["nonce"], timestamp=1700000000
    )
    fields = parse_xml(envelope)
    crypto = WeChatCrypto(ACCOUNT.token, KEY, ACCOUNT.app_id)
    xml = crypto.decrypt_message(envelope, fields["MsgSignature"], "1700000000", query["nonce"])
    reply = wechatpy_parse(xml)
    assert (reply.content, reply.source, reply.target) == ("回复", "gh_0123456789ab", "oCustomer1")


@pytest.mark.parametrize(
    "build",
    [
        lambda c: c.text("文本"),
        lambda c: c.image(),
        lambda c: c.voice(),
        lambda c: c.video(),
        lambda c: c.shortvideo(),
        lambda c: c.location(),
        lambda c: c.link(),
        lambda c: c.subscribe("42"),
        lambda c: c.click("MENU"),
        lambda c: c.event("SCAN", EventKey="42", Ticket="t"),
        lambda c: c.event("LOCATION", Latitude=23.1, Longitude=113.3, Precision=10.0),
    ],
)
def test_parsed_fields_agree_with_wechatpy(build):
    customer = WeChatCustomer(ACCOUNT, "oCustomer1")
    xml = push_xml(build(customer))
    ours, theirs = parse_message(xml), wechatpy_parse(xml)
    assert ours.from_user_name == theirs.source
    assert ours.to_user_name == theirs.target
    assert ours.create_time == int(theirs.create_time.timestamp())
    if ours.msg_type == "event":
        # wechatpy names a follow through a QR code "subscribe_scan"; WeChat sends "subscribe".
        assert ours.event == {"subscribe_scan": "subscribe"}.get(theirs.event, theirs.event)
    else:
        assert (ours.msg_type, ours.msg_id) == (theirs.type, theirs.id)
    for ours_name, theirs_name in [
        ("content", "content"),
        ("media_id", "media_id"),
        ("url", "url"),
        ("scene", "scene_id"),
        ("event_key", "key"),
        ("latitude", "latitude"),
        ("label", "label"),
    ]:
        if hasattr(ours, ours_name) and hasattr(theirs, theirs_name):
            assert getattr(ours, ours_name) == getattr(theirs, theirs_name), ours_name


def test_wechatpy_reference_is_independent():
    """Guard: the oracle must not be our own code by another name."""
    import wechatpy

    assert "site-packages" in wechatpy.__file__
    assert MessageCrypto.__module__.startswith("shared.")
