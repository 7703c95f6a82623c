"""What an agent may send beyond text and plain files: a video with its thumbnail, one news
article and a mini-program card, validated as WeChat takes them (docs/protocol.md §6.2, §8)
before anything is uploaded or queued."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import Field, field_validator

from shared.core.schema import ApiModel
from shared.model.accounts import AppId

VIDEO_MAX_BYTES = 10 * 1024 * 1024
"""``media/upload`` takes MP4 video up to 10 MB; a larger MP4 goes as a link like any file."""
THUMB_MAX_BYTES = 64 * 1024
"""A ``thumb`` (a video's thumbnail) is a JPEG of at most 64 KB."""
CARD_THUMB_MAX_BYTES = 2 * 1024 * 1024
"""A mini-program card's cover is an ``image`` medium: the safe 2 MB reading of §8."""
JPEG = (b"\xff\xd8\xff",)
CARD_THUMB_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
TITLE_MAX = 64
DESCRIPTION_MAX = 120
URL_MAX = 1000
PAGE_PATH_MAX = 1000

_HTTP_URL = (
    r"^[Hh][Tt][Tt][Pp][Ss]?://[^/?#@:\[\]\s\x00-\x20\x7f-\x9f][^\[\]\s\x00-\x20\x7f-\x9f]*$"
)
r"""A host's first character after the scheme, then no spaces, controls or brackets: the same
text for Python and for the OpenAPI document's (ECMAScript) regex, whose ``\s`` differ."""
_PAGE_PATH = r"^[A-Za-z0-9_\-./]+(\?[!-~]*)?$"

Title = Annotated[str, Field(min_length=1, max_length=TITLE_MAX)]
Description = Annotated[str, Field(min_length=1, max_length=DESCRIPTION_MAX)]
HttpUrl = Annotated[
    str, Field(min_length=1, max_length=URL_MAX, json_schema_extra={"pattern": _HTTP_URL})
]


def is_mp4(content: bytes) -> bool:
    """An ISO base media file (MP4): its first box is ``ftyp``, four bytes in."""
    return len(content) >= 12 and content[4:8] == b"ftyp"


def _http(value: str | None) -> str | None:
    if value is not None and not re.fullmatch(_HTTP_URL, value):
        raise ValueError("must be an http:// or https:// URL")
    return value


PagePath = Annotated[
    str, Field(min_length=1, max_length=PAGE_PATH_MAX, json_schema_extra={"pattern": _PAGE_PATH})
]


class VideoDetails(ApiModel):
    """The title and description shown under a video (both optional in WeChat)."""

    title: Title | None = None
    description: Description | None = None


class NewsArticle(ApiModel):
    """One article that opens ``url`` (WeChat takes one per customer-service news message)."""

    title: Title
    description: Description | None = None
    url: HttpUrl
    pic_url: HttpUrl | None = None
    """The picture beside the title: JPG or PNG, best 640×320 (large) or 80×80 (small)."""

    _urls = field_validator("url", "pic_url")(_http)


class NewsMessageRequest(ApiModel):
    news: NewsArticle


class MiniProgramCard(ApiModel):
    """A card that opens a page of one of the account's linked mini-programs."""

    title: Title
    app_id: AppId
    page_path: PagePath
    """A page as the mini-program's app.json names it, with a query if any:
    ``pages/index/index?foo=bar``."""

    @field_validator("page_path")
    @classmethod
    def _path(cls, value: str) -> str:
        if not re.fullmatch(_PAGE_PATH, value):
            raise ValueError(
                "must be a page path as app.json names it (letters, digits, _ - . /), "
                "optionally with a ?query: pages/index/index?foo=bar"
            )
        return value
