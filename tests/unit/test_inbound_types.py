"""Voice recognition as the customer's words, and the fields location, link and Mini Program
page pushes keep on their transcript entries."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from shared.model.conversations import customer_words, transcript_entry
from shared.wechat import parse_message
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer, push_xml

AT = datetime(2026, 12, 2, tzinfo=timezone.utc)


@pytest.fixture
def customer() -> WeChatCustomer:
    return WeChatCustomer(SimulatedAccount.random(), clock=lambda: 1_780_000_000)


def entry_of(fields):
    message = parse_message(push_xml(fields))
    return transcript_entry("conv", message, received_at=AT, inbound_key="k")


def test_a_voice_messages_recognition_is_its_text(customer):
    entry = entry_of(customer.voice("m1", recognition="我要退款"))
    assert (entry.type, entry.text, customer_words(entry)) == ("voice", "我要退款", "我要退款")
    assert entry.push_fields["recognition"] == "我要退款"


def test_a_voice_message_without_recognition_says_nothing(customer):
    entry = entry_of(customer.voice("m1"))
    assert entry.text is None
    assert customer_words(entry) is None


@pytest.mark.parametrize("build", ["location", "link", "miniprogrampage", "image"])
def test_other_types_carry_no_words_for_rules(customer, build):
    """A link's title or a location's label is the line's summary, not what the customer
    said: a rule on message.text does not match them."""
    entry = entry_of(getattr(customer, build)())
    assert customer_words(entry) is None


def test_text_is_the_customers_words(customer):
    entry = entry_of(customer.text("hello"))
    assert customer_words(entry) == "hello"
    outbound = entry.model_copy(update={"direction": "out"})
    assert customer_words(outbound) is None


def test_location_link_and_mini_program_fields(customer):
    location = entry_of(customer.location(39.9, 116.4, label="天安门", scale=15)).push_fields
    assert {k: location[k] for k in ("location_x", "location_y", "scale", "label")} == {
        "location_x": 39.9,
        "location_y": 116.4,
        "scale": 15,
        "label": "天安门",
    }
    link = entry_of(customer.link("javascript:alert(1)", title="t", description="d")).push_fields
    assert (link["title"], link["description"], link["url"]) == ("t", "d", "javascript:alert(1)")
    page = entry_of(
        customer.miniprogrampage(
            app_id="wxabc", page_path="pages/x", title="T", thumb_media_id="th"
        )
    )
    assert page.text == "T"
    assert {k: page.push_fields[k] for k in ("app_id", "page_path", "title", "thumb_media_id")} == {
        "app_id": "wxabc",
        "page_path": "pages/x",
        "title": "T",
        "thumb_media_id": "th",
    }


def test_a_video_names_its_thumbnail(customer):
    entry = entry_of(customer.video("v1", thumb_media_id="t1"))
    assert (entry.media_id, entry.push_fields["thumb_media_id"]) == ("v1", "t1")
