"""base64url without padding: what every token we hand out is written in."""

from __future__ import annotations

import base64

import pytest

from shared.core import base64url


@pytest.mark.parametrize("length", range(0, 9))
def test_round_trip_without_padding(length):
    data = bytes((250 + i) % 256 for i in range(length))  # 0xfb… gives '-' and '_'
    text = base64url.encode(data)
    assert "=" not in text
    assert text == base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert base64url.decode(text) == data


def test_the_url_safe_alphabet():
    assert base64url.encode(b"\xfb\xff\xbf") == "-_-_"
    assert base64url.decode("-_-_") == b"\xfb\xff\xbf"


@pytest.mark.parametrize(
    "text",
    [
        "+/+/",  # the standard alphabet, not the URL-safe one
        "YWJj=",  # padding: we never write it
        "YQ==",
        "YW Jj",  # the standard decoder skips what is not in the alphabet
        "YW\nJj",
        "YWJj!",
        "YWJjé",
        "YWJjZ",  # 5 characters: 1 left over cannot encode a byte
        "YR",  # 'R' sets bits past the byte: "YQ" is the one text for b"a"
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(base64url.Base64UrlError, match="not base64url"):
        base64url.decode(text)


def test_the_error_is_a_value_error():
    """Callers that parse a token catch ValueError for JSON and base64 alike."""
    assert issubclass(base64url.Base64UrlError, ValueError)
