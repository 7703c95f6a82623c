"""Passive replies (docs/protocol.md §6.1) and the encrypted reply envelope (§2.2).

A contact center mostly answers ``success`` and replies later through the customer-service
API; passive replies exist for bots and automated answers that fit inside WeChat's 5 seconds.
"""

from __future__ import annotations

from typing import Literal, Union

from pydantic import BaseModel, ConfigDict, Field

from shared.wechat.crypto import MessageCrypto
from shared.wechat.signature import sign

SUCCESS = "success"
"""The body that tells WeChat "received, no passive reply"; never encrypted (§5)."""


class _Reply(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TextReply(_Reply):
    msg_type: Literal["text"] = "text"
    content: str = Field(min_length=1)


class ImageReply(_Reply):
    msg_type: Literal["image"] = "image"
    media_id: str = Field(min_length=1)


class VoiceReply(_Reply):
    msg_type: Literal["voice"] = "voice"
    media_id: str = Field(min_length=1)


class VideoReply(_Reply):
    msg_type: Literal["video"] = "video"
    media_id: str = Field(min_length=1)
    title: str | None = None
    description: str | None = None


class Article(_Reply):
    title: str
    description: str = ""
    pic_url: str = ""
    url: str = ""


class NewsReply(_Reply):
    """WeChat accepts a single article in a reply to a user's message (docs/protocol.md §6.1)."""

    msg_type: Literal["news"] = "news"
    articles: list[Article] = Field(min_length=1, max_length=1)


Reply = Union[TextReply, ImageReply, VoiceReply, VideoReply, NewsReply]  # noqa: UP007


def cdata(text: str) -> str:
    """Wrap ``text`` in CDATA, splitting any ``]]>`` so it cannot close the section early."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def _body(reply: Reply) -> str:
    if isinstance(reply, TextReply):
        return f"<Content>{cdata(reply.content)}</Content>"
    if isinstance(reply, ImageReply):
        return f"<Image><MediaId>{cdata(reply.media_id)}</MediaId></Image>"
    if isinstance(reply, VoiceReply):
        return f"<Voice><MediaId>{cdata(reply.media_id)}</MediaId></Voice>"
    if isinstance(reply, VideoReply):
        parts = [f"<MediaId>{cdata(reply.media_id)}</MediaId>"]
        if reply.title is not None:
            parts.append(f"<Title>{cdata(reply.title)}</Title>")
        if reply.description is not None:
            parts.append(f"<Description>{cdata(reply.description)}</Description>")
        return f"<Video>{''.join(parts)}</Video>"
    items = "".join(
        "<item>"
        f"<Title>{cdata(a.title)}</Title><Description>{cdata(a.description)}</Description>"
        f"<PicUrl>{cdata(a.pic_url)}</PicUrl><Url>{cdata(a.url)}</Url>"
        "</item>"
        for a in reply.articles
    )
    return f"<ArticleCount>{len(reply.articles)}</ArticleCount><Articles>{items}</Articles>"


def render_reply(reply: Reply, *, to_user_name: str, from_user_name: str, create_time: int) -> str:
    """The passive-reply XML: to the customer's OpenID, from our ``gh_`` original id."""
    return (
        "<xml>"
        f"<ToUserName>{cdata(to_user_name)}</ToUserName>"
        f"<FromUserName>{cdata(from_user_name)}</FromUserName>"
        f"<CreateTime>{int(create_time)}</CreateTime>"
        f"<MsgType>{cdata(reply.msg_type)}</MsgType>"
        f"{_body(reply)}"
        "</xml>"
    )


def seal_reply(
    xml: str,
    *,
    crypto: MessageCrypto,
    token: str,
    timestamp: int,
    nonce: str,
    key_index: int = 0,
    random_prefix: bytes | None = None,
) -> str:
    """The encrypted envelope for a reply to an encrypted push.

    ``nonce`` echoes the request's; ``key_index`` is the key that decrypted the request.
    """
    encrypted = crypto.encrypt(xml, key_index=key_index, random_prefix=random_prefix)
    return (
        "<xml>"
        f"<Encrypt>{cdata(encrypted)}</Encrypt>"
        f"<MsgSignature>{cdata(sign(token, str(timestamp), nonce, encrypted))}</MsgSignature>"
        f"<TimeStamp>{timestamp}</TimeStamp>"
        f"<Nonce>{cdata(nonce)}</Nonce>"
        "</xml>"
    )
