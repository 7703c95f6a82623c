"""Permanent images in an account's WeChat material library (素材管理), uploaded through the
admin API so a bot's image answer can pick one instead of a media id copied by hand
(docs/protocol.md §8.1)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field

from shared.core.schema import ViewModel

MATERIAL_MAX_BYTES = 10 * 1024 * 1024
"""``add_material`` takes images up to 10 MB (bmp, png, jpeg, jpg, gif)."""
MATERIAL_NAME_MAX = 100

# (first bytes, content type, file extension WeChat's upload judges the format by)
IMAGE_SIGNATURES: tuple[tuple[tuple[bytes, ...], str, str], ...] = (
    ((b"\xff\xd8\xff",), "image/jpeg", "jpg"),
    ((b"\x89PNG\r\n\x1a\n",), "image/png", "png"),
    ((b"GIF87a", b"GIF89a"), "image/gif", "gif"),
    ((b"BM",), "image/bmp", "bmp"),
)

MaterialName = Annotated[str, Field(min_length=1, max_length=MATERIAL_NAME_MAX)]


def image_format(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) of an image WeChat keeps as material, by its first bytes."""
    for signatures, content_type, extension in IMAGE_SIGNATURES:
        if content.startswith(signatures):
            return content_type, extension
    return None


class Material(ViewModel):
    """One permanent image: ``mediaId`` is what an answer's ``image.mediaId`` takes."""

    id: str
    account_id: str
    name: str
    type: Literal["image"] = "image"
    media_id: str
    url: str | None = None
    """WeChat's URL of the image (its own domain: shown only inside WeChat)."""
    content_type: str
    size: int
    created_at: datetime


class MaterialList(ViewModel):
    materials: list[Material]
