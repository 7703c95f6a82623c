"""File names from anyone become safe blob names and headers; served types stay displayable."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.core.files import (
    DISPLAYABLE_TYPES,
    MAX_NAME_LENGTH,
    content_disposition,
    safe_name,
    served_type,
)
from shared.desk.workspace import MEDIA_KINDS
from shared.wechat.api import _filename


@pytest.mark.parametrize(
    ("given_name", "kept"),
    [
        ("receipt.png", "receipt.png"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\boot.ini", "boot.ini"),
        ('../../x"\r\nSet-Cookie: a=b.jpg', "xSet-Cookie a=b.jpg"),
        ("报告\u202egpj.exe", "报告gpj.exe"),  # no right-to-left override to disguise it
        ("a?b#c%d*e<f>g|h.pdf", "abcdefgh.pdf"),
        ("..", "file"),
        (" .hidden. ", "hidden"),
        ("", "file"),
        (None, "file"),
    ],
)
def test_safe_name(given_name, kept):
    assert safe_name(given_name) == kept


def test_a_long_name_keeps_its_extension():
    name = safe_name("x" * 500 + ".pdf")
    assert (len(name), name[-4:]) == (MAX_NAME_LENGTH, ".pdf")


def test_an_empty_result_takes_the_default():
    assert safe_name("\r\n/", default="image.jpg") == "image.jpg"


@given(st.text(max_size=300))
def test_any_name_is_one_clean_segment_and_stays_put(name):
    cleaned = safe_name(name)
    assert 0 < len(cleaned) <= MAX_NAME_LENGTH
    assert not {"/", "\\"} & set(cleaned)
    assert cleaned not in (".", "..")
    assert cleaned.isprintable()
    assert safe_name(cleaned) == cleaned


@given(st.text(max_size=200))
def test_the_header_is_one_line_of_ascii_that_reads_back_as_the_name(name):
    header = content_disposition(name)
    assert header.isascii()
    assert header.isprintable()
    response = httpx.Response(200, headers={"Content-Disposition": header})
    assert _filename(response) == safe_name(name)


def test_content_disposition():
    assert content_disposition("receipt.png") == 'attachment; filename="receipt.png"'
    assert content_disposition('报告 "final".pdf') == (
        "attachment; filename=\"__ final.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20final.pdf"
    )
    assert content_disposition("a;b.txt") == (
        "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%3Bb.txt"
    )


def test_media_the_app_sends_and_keeps_is_served_as_itself():
    assert {content_type for _, _, content_type, _ in MEDIA_KINDS} <= DISPLAYABLE_TYPES
    assert served_type("image/JPEG; charset=binary") == "image/jpeg"
    assert served_type("video/mp4") == "video/mp4"


@pytest.mark.parametrize(
    "content_type", ["text/html", "image/svg+xml", "application/pdf", "text/plain", "", None]
)
def test_everything_else_is_served_as_bytes(content_type):
    assert served_type(content_type) == "application/octet-stream"
