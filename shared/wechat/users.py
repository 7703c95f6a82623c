"""What WeChat says of one follower (``user/info``) and of an account's tags (``tags/get``),
docs/protocol.md §9. Nickname and avatar are gone since 2021-12-27: only these fields are read."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shared.wechat.errors import WeChatUnavailableError

MAX_REMARK_CHARS = 30
"""``updateremark``: the remark must be under 30 (the older page: characters; the newer: bytes);
the app takes at most 30 characters and lets WeChat refuse the rest."""
MAX_TAGS_PER_USER = 20
"""A follower carries at most 20 tags (``batchtagging``, 45059 past that)."""
MAX_TAGS_PER_ACCOUNT = 100
"""An account creates at most 100 tags (``tags/create``, 45056 past that)."""
MAX_TAG_NAME_CHARS = 30
MAX_OPENIDS_PER_BATCH = 50
"""``batchtagging`` / ``batchuntagging`` take at most 50 OpenIDs (40032 past that)."""


class WeChatUser(BaseModel):
    """``user/info``'s answer. ``subscribe`` 0: not following, and nothing else is given."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    subscribe: int = 0
    openid: str
    subscribe_time: int | None = None
    unionid: str | None = None
    """Only when the account is bound to an Open Platform account."""
    remark: str = ""
    tagid_list: list[int] = Field(default_factory=list)
    subscribe_scene: str | None = None
    """``ADD_SCENE_QR_CODE``, ``ADD_SCENE_SEARCH``, … (docs/protocol.md §9)."""
    qr_scene: int | None = None
    qr_scene_str: str | None = None

    @property
    def following(self) -> bool:
        return self.subscribe == 1

    @property
    def qr(self) -> str | None:
        """The follow's QR scene when it came from a parametrised QR code: its string scene,
        else its number."""
        if self.qr_scene_str:
            return self.qr_scene_str
        return str(self.qr_scene) if self.qr_scene else None


class WeChatTag(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    id: int
    name: str
    count: int = 0


def parse_user(body: dict[str, Any]) -> WeChatUser:
    try:
        return WeChatUser.model_validate(body)
    except ValidationError:
        raise WeChatUnavailableError(
            "user/info", "the answer was not a user", ambiguous=False
        ) from None


def parse_tags(body: dict[str, Any]) -> list[WeChatTag]:
    tags = body.get("tags")
    if not isinstance(tags, list):
        raise WeChatUnavailableError("tags/get", "the answer had no tags", ambiguous=False)
    try:
        return [WeChatTag.model_validate(tag) for tag in tags]
    except ValidationError:
        raise WeChatUnavailableError(
            "tags/get", "the answer's tags were not tags", ambiguous=False
        ) from None
