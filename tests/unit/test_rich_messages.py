"""What an agent may send beyond text and files, and what an account may list, checked before
anything is stored: news articles, mini-program cards, video thumbnails, mini-program AppIDs
and material images."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.core.errors import InvalidRequestError
from shared.desk.workspace import MEDIA_LIMITS, card_thumb_type, video_extras
from shared.model.accounts import AccountCreate, AccountPatch
from shared.model.materials import image_format
from shared.model.rich_messages import (
    MiniProgramCard,
    NewsMessageRequest,
    VideoDetails,
    is_mp4,
)
from tools.wechat_simulator import SimulatedAccount

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
MP4 = b"\x00\x00\x00\x18ftypisom" + b"\x00" * 100


def news(**article):
    return NewsMessageRequest.model_validate(
        {"news": {"title": "t", "url": "https://e.example/a", **article}}
    )


def field_of(error: pytest.ExceptionInfo[ValidationError]) -> tuple:
    return error.value.errors()[0]["loc"]


class TestNews:
    def test_an_article_with_every_field(self):
        article = news(description="d", picUrl="http://e.example/p.png").news
        assert article.json_body() == {
            "title": "t",
            "description": "d",
            "url": "https://e.example/a",
            "picUrl": "http://e.example/p.png",
        }

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"url": "ftp://e.example/a"}, "url"),
            ({"url": "https://"}, "url"),
            ({"url": "javascript:alert(1)"}, "url"),
            ({"picUrl": "data:image/png;base64,AA"}, "picUrl"),
            ({"title": ""}, "title"),
            ({"url": "https://e.example/a\n"}, "url"),
            ({"url": "https://e.example/\x1f"}, "url"),
            ({"url": "https://a]b"}, "url"),
            ({"title": "x" * 65}, "title"),
            ({"description": "x" * 121}, "description"),
            ({"extra": 1}, "extra"),
        ],
    )
    def test_refused(self, fields, field):
        with pytest.raises(ValidationError) as refused:
            news(**fields)
        assert field_of(refused) == ("news", field)

    def test_exactly_one_article(self):
        with pytest.raises(ValidationError):
            NewsMessageRequest.model_validate({"news": [{"title": "t", "url": "https://e/"}]})


class TestMiniProgramCard:
    def card(self, **changes):
        fields = {"title": "Track", "appId": "wx00112233445566aa", "pagePath": "pages/o/i?id=4"}
        return MiniProgramCard.model_validate({**fields, **changes})

    def test_a_card(self):
        assert self.card().json_body()["pagePath"] == "pages/o/i?id=4"

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"appId": "wx123"}, "appId"),
            ({"appId": "gh_0011223344556"}, "appId"),
            ({"pagePath": ""}, "pagePath"),
            ({"pagePath": "pages/a b"}, "pagePath"),
            ({"pagePath": "https://e.example/"}, "pagePath"),
            ({"pagePath": "pages/i\n"}, "pagePath"),
            ({"title": "x" * 65}, "title"),
        ],
    )
    def test_refused(self, changes, field):
        with pytest.raises(ValidationError) as refused:
            self.card(**changes)
        assert field_of(refused) == (field,)


class TestVideo:
    def test_mp4_is_recognised_by_its_ftyp_box(self):
        assert is_mp4(MP4)
        assert not is_mp4(b"ftyp" + b"\x00" * 20)
        assert not is_mp4(PNG)

    def test_video_is_among_the_media_limits(self):
        assert {"type": "video", "contentTypes": ["video/mp4"], "maxBytes": 10 * 2**20} in [
            limit.json_body() for limit in MEDIA_LIMITS
        ]

    def test_a_thumbnail_is_a_jpeg_of_at_most_64_kb(self):
        assert video_extras("video", ("t.jpg", JPEG), None) == {}
        with pytest.raises(InvalidRequestError) as png:
            video_extras("video", ("t.png", PNG), None)
        assert (png.value.code, png.value.field) == ("unsupported_thumb", "thumb")
        with pytest.raises(InvalidRequestError) as big:
            video_extras("video", ("t.jpg", JPEG + b"\x00" * 65536), None)
        assert big.value.code == "too_large_for_wechat"

    def test_title_and_description_are_kept_for_a_video_only(self):
        details = VideoDetails(title="T", description="D")
        assert video_extras("video", None, details) == {"video": {"title": "T", "description": "D"}}
        assert video_extras("image", None, VideoDetails()) == {}
        with pytest.raises(InvalidRequestError) as refused:
            video_extras("image", None, details)
        assert refused.value.field == "title"


class TestCardCover:
    def test_jpeg_or_png(self):
        assert card_thumb_type(JPEG) == "image/jpeg"
        assert card_thumb_type(PNG) == "image/png"
        for bad in (b"", b"GIF89a....", b"x" * 10):
            with pytest.raises(InvalidRequestError):
                card_thumb_type(bad)
        with pytest.raises(InvalidRequestError, match="2 MB"):
            card_thumb_type(PNG + b"\x00" * (2 * 2**20))


class TestAccountMiniPrograms:
    def registration(self, **changes):
        return {**SimulatedAccount.random().registration(mode="safe"), **changes}

    def test_linked_app_ids_are_kept(self):
        account = AccountCreate.model_validate(
            self.registration(miniProgramAppIds=["wx00112233445566aa"])
        )
        assert account.mini_program_app_ids == ["wx00112233445566aa"]
        assert AccountCreate.model_validate(self.registration()).mini_program_app_ids == []

    @pytest.mark.parametrize(
        "app_ids",
        [["wx1"], ["wx00112233445566aa", "wx00112233445566aa"], ["wx00112233445566aa"] * 21],
    )
    def test_refused(self, app_ids):
        with pytest.raises(ValidationError) as refused:
            AccountPatch.model_validate({"miniProgramAppIds": app_ids})
        assert refused.value.errors()[0]["loc"][0] == "miniProgramAppIds"


class TestMaterialImages:
    def test_formats_by_their_first_bytes(self):
        assert image_format(JPEG) == ("image/jpeg", "jpg")
        assert image_format(PNG) == ("image/png", "png")
        assert image_format(b"GIF87a") == ("image/gif", "gif")
        assert image_format(b"BM....") == ("image/bmp", "bmp")
        assert image_format(b"%PDF-1.4") is None
