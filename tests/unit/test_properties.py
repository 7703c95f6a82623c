"""Round trips that must hold for any content: Chinese, emoji, markup, 0 to 20 KB."""

from __future__ import annotations

from base64 import b64encode
from contextlib import suppress

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from shared.wechat import (
    MAX_BODY_BYTES,
    Channel,
    ErrorCode,
    MessageCipher,
    MessageCrypto,
    MessageMode,
    ProtocolError,
    TextReply,
    answer_push,
    open_push,
    parse_xml,
)
from tests.unit.wechat_support import ACCOUNT, KEY
from tools.wechat_simulator import WeChatCustomer

OLD_KEY = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"

# XML cannot carry most control characters, and parsers turn \r into \n.
xml_chars = st.characters(blacklist_categories=("Cs", "Cc", "Cn"), blacklist_characters="\r")
seeds = st.lists(
    st.text(alphabet=xml_chars, min_size=1, max_size=8)
    | st.sampled_from(["\n", "\t", "中文", "😀", "👨\u200d👩\u200d👧", "]]>", "<&>"]),
    min_size=1,
    max_size=8,
).map("".join)


@st.composite
def bodies(draw) -> str:
    """Text from 0 bytes to about 20 KB: a drawn seed repeated to a drawn UTF-8 size."""
    size = draw(st.integers(min_value=0, max_value=20 * 1024))
    seed = draw(seeds)
    text = ""
    while len(text.encode("utf-8")) < size:
        text += seed
    return text


LARGEST = "中文😀" * 2048  # 20,480 UTF-8 bytes, 6,144 characters


@settings(max_examples=80, deadline=None)
@given(text=bodies())
@example(text="")
@example(text=LARGEST)
def test_cipher_round_trip(text):
    cipher = MessageCipher(KEY, ACCOUNT.app_id)
    assert cipher.decrypt(cipher.encrypt(text)) == text


@settings(max_examples=60, deadline=None)
@given(text=bodies(), mode=st.sampled_from(["plaintext", "compatible", "safe"]))
@example(text=LARGEST, mode="safe")
@example(text="", mode="safe")
@example(text="]]>" * 7000, mode="compatible")  # 21 KB of text, a push over 128 KiB
def test_push_round_trip_in_every_mode(text, mode):
    account_mode = MessageMode(mode)
    channel = Channel(
        token=ACCOUNT.token, app_id=ACCOUNT.app_id, mode=account_mode, encoding_aes_keys=[KEY]
    )
    customer = WeChatCustomer(ACCOUNT, "oCustomer1")
    fields = customer.text(text)
    query, body = customer.push(fields, mode)
    if len(body) > MAX_BODY_BYTES:
        # 20 KB of "]]>" or "<&>" grows fivefold in XML, and compatible mode carries the push
        # twice: past the callback's limit, such a push is refused by its size, before reading.
        with pytest.raises(ProtocolError) as caught:
            open_push(body, query, channel)
        assert caught.value.code is ErrorCode.BODY_TOO_LARGE
        return
    push = open_push(body, query, channel)
    assert push.message.content == text
    assert push.message.msg_id == fields["MsgId"]


@settings(max_examples=40, deadline=None)
@given(text=bodies(), use_old=st.booleans())
def test_reply_round_trip_with_the_key_that_decrypted(text, use_old):
    channel = Channel(
        token=ACCOUNT.token,
        app_id=ACCOUNT.app_id,
        mode=MessageMode.SAFE,
        encoding_aes_keys=[KEY, OLD_KEY],
    )
    customer = WeChatCustomer(ACCOUNT, "oCustomer1")
    query, body = customer.push(
        customer.text("q"), "safe", encoding_aes_key=OLD_KEY if use_old else KEY
    )
    push = open_push(body, query, channel)
    envelope = parse_xml(
        answer_push(push, TextReply(content=text or "-"), channel, nonce="n", timestamp=1)
    )
    xml, index = MessageCrypto(ACCOUNT.app_id, [KEY, OLD_KEY]).decrypt(envelope["Encrypt"])
    assert index == int(use_old)
    assert parse_xml(xml)["Content"] == (text or "-")


@settings(max_examples=200, deadline=None)
@given(garbage=st.binary(max_size=512))
def test_garbage_never_escapes_as_anything_but_protocol_error(garbage):
    channel = Channel(
        token=ACCOUNT.token,
        app_id=ACCOUNT.app_id,
        mode=MessageMode.COMPATIBLE,
        encoding_aes_keys=[KEY],
    )
    customer = WeChatCustomer(ACCOUNT, "oCustomer1")
    query, _ = customer.push(customer.text("x"), "plaintext")
    with suppress(ProtocolError):  # anything else escaping fails the test
        open_push(garbage, query, channel)


@settings(max_examples=200, deadline=None)
@given(
    ciphertext=st.text(max_size=200) | st.binary(max_size=300).map(lambda b: b64encode(b).decode())
)
def test_any_ciphertext_fails_only_with_protocol_error(ciphertext):
    with suppress(ProtocolError):  # anything else escaping fails the test
        MessageCrypto(ACCOUNT.app_id, [KEY, OLD_KEY]).decrypt(ciphertext)
