"""base64url without padding (RFC 4648 §5): the text of the tokens we hand out and read back.

Links, page tokens and cursors travel in URLs and headers, so they use the URL-safe alphabet
and drop the ``=`` padding. Decoding is strict: the standard library's decoder silently skips
characters outside the alphabet, so two different texts would name the same token; here only
the one text ``encode`` gives for some bytes decodes.
"""

from __future__ import annotations

import base64
import re

_TEXT = re.compile(r"[A-Za-z0-9_-]*")


class Base64UrlError(ValueError):
    """The text is not base64url as ``encode`` writes it."""


def encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def decode(text: str) -> bytes:
    """The bytes ``encode`` turned into ``text``; ``Base64UrlError`` for anything else."""
    if not _TEXT.fullmatch(text):
        raise Base64UrlError(
            "not base64url: only A-Z, a-z, 0-9, '-' and '_' may appear (no '=' padding)"
        )
    if len(text) % 4 == 1:
        raise Base64UrlError(f"not base64url: {len(text)} characters cannot encode whole bytes")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if encode(data) != text:
        raise Base64UrlError("not base64url: the last character carries bits that are not zero")
    return data
