"""Passive replies (docs/protocol.md §6.1): each type renders to XML WeChat accepts."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shared.wechat import (
    SUCCESS,
    Article,
    ImageReply,
    NewsReply,
    TextReply,
    VideoReply,
    VoiceReply,
    cdata,
    parse_xml,
    render_reply,
)

HEADER = {"to_user_name": "oUser", "from_user_name": "gh_123", "create_time": 1700000000}


def rendered(reply):
    fields = parse_xml(render_reply(reply, **HEADER))
    assert fields.pop("ToUserName") == "oUser"
    assert fields.pop("FromUserName") == "gh_123"
    assert fields.pop("CreateTime") == "1700000000"
    return fields


def test_success_is_the_literal_word():
    assert SUCCESS == "success"


def test_text():
    assert rendered(TextReply(content="第一行\n第二行 😀")) == {
        "MsgType": "text",
        "Content": "第一行\n第二行 😀",
    }


def test_image():
    assert rendered(ImageReply(media_id="m1")) == {"MsgType": "image", "Image": {"MediaId": "m1"}}


def test_voice():
    assert rendered(VoiceReply(media_id="m2")) == {"MsgType": "voice", "Voice": {"MediaId": "m2"}}


def test_video_with_and_without_title():
    assert rendered(VideoReply(media_id="m3", title="t", description="d")) == {
        "MsgType": "video",
        "Video": {"MediaId": "m3", "Title": "t", "Description": "d"},
    }
    assert rendered(VideoReply(media_id="m3")) == {"MsgType": "video", "Video": {"MediaId": "m3"}}


def test_news_has_one_article():
    article = Article(title="t", description="d", pic_url="http://p", url="http://u")
    assert rendered(NewsReply(articles=[article])) == {
        "MsgType": "news",
        "ArticleCount": "1",
        "Articles": {
            "item": {"Title": "t", "Description": "d", "PicUrl": "http://p", "Url": "http://u"}
        },
    }
    with pytest.raises(ValidationError):
        NewsReply(articles=[article, article])


def test_cdata_terminator_in_content_survives():
    text = "a]]>b]]]]>c<![CDATA[d"
    assert rendered(TextReply(content=text))["Content"] == text
    assert cdata("]]>") == "<![CDATA[]]]]><![CDATA[>]]>"


def test_empty_text_is_not_a_reply():
    """An XML reply with empty Content makes WeChat show an error; use SUCCESS instead."""
    with pytest.raises(ValidationError):
        TextReply(content="")
