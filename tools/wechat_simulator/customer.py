"""A WeChat customer and the push machinery behind it (docs/protocol.md §1, §2, §4).

``WeChatCustomer`` builds the fields of every message and event type a customer can cause,
and ``push`` wraps them as WeChat does in each message mode: the XML body, and the query
string with ``signature``, ``timestamp``, ``nonce``, ``openid`` and, when encrypted,
``encrypt_type=aes`` and ``msg_signature``.
"""

from __future__ import annotations

import itertools
import secrets
import string
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from shared.wechat import MessageCipher, cdata, sign

Fields = dict[str, Any]


@dataclass(frozen=True)
class SimulatedAccount:
    """What WeChat's console holds for an account: the same values our admin API stores."""

    token: str
    app_id: str
    original_id: str
    encoding_aes_key: str | None = None
    app_secret: str = "0" * 32

    @classmethod
    def random(cls) -> SimulatedAccount:
        alphabet = string.ascii_letters + string.digits
        return cls(
            token="".join(secrets.choice(alphabet) for _ in range(32)),
            app_id="wx" + secrets.token_hex(8),
            original_id="gh_" + secrets.token_hex(6),
            encoding_aes_key="".join(secrets.choice(alphabet) for _ in range(43)),
            app_secret=secrets.token_hex(16),
        )

    def registration(self, name: str = "Test account", mode: str = "safe", **extra: Any) -> Fields:
        """The body of ``POST /api/admin/accounts`` for this account."""
        return {
            "name": name,
            "originalId": self.original_id,
            "appId": self.app_id,
            "appSecret": self.app_secret,
            "token": self.token,
            "encodingAesKey": self.encoding_aes_key,
            "messageMode": mode,
            **extra,
        }


def push_xml(fields: Mapping[str, Any]) -> str:
    """Fields → WeChat's push XML: strings in CDATA, numbers bare, nested dicts as elements,
    lists as repeated ``<item>`` elements."""
    return f"<xml>{_elements(fields)}</xml>"


def _elements(fields: Mapping[str, Any]) -> str:
    out = []
    for name, value in fields.items():
        if isinstance(value, Mapping):
            inner = _elements(value)
        elif isinstance(value, list):
            inner = "".join(f"<item>{_elements(item)}</item>" for item in value)
        elif isinstance(value, bool):
            inner = str(int(value))
        elif isinstance(value, (int, float)):
            inner = str(value)
        else:
            inner = cdata(str(value))
        out.append(f"<{name}>{inner}</{name}>")
    return "".join(out)


class WeChatCustomer:
    """One follower (``open_id``) of ``account``, with WeChat's clock and message ids."""

    _msg_ids = itertools.count(24_000_000_000_000_000 + secrets.randbelow(10**15))

    def __init__(
        self,
        account: SimulatedAccount,
        open_id: str | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.account = account
        self.open_id = open_id or "o" + secrets.token_urlsafe(20)[:27]
        self.clock = clock

    # --- what the customer does -----------------------------------------------------------

    def _header(self, msg_type: str, create_time: int | None) -> Fields:
        return {
            "ToUserName": self.account.original_id,
            "FromUserName": self.open_id,
            "CreateTime": int(self.clock()) if create_time is None else create_time,
            "MsgType": msg_type,
        }

    def message(
        self,
        msg_type: str,
        *,
        create_time: int | None = None,
        msg_id: int | None = None,
        **body: Any,
    ) -> Fields:
        fields = self._header(msg_type, create_time)
        fields.update(body)
        fields["MsgId"] = next(self._msg_ids) if msg_id is None else msg_id
        return fields

    def text(self, content: str, **kw: Any) -> Fields:
        return self.message("text", Content=content, **kw)

    def image(self, media_id: str = "media-image-1", **kw: Any) -> Fields:
        return self.message(
            "image", PicUrl=f"http://mmbiz.qpic.cn/{media_id}", MediaId=media_id, **kw
        )

    def voice(
        self, media_id: str = "media-voice-1", recognition: str | None = None, **kw: Any
    ) -> Fields:
        """``recognition``: WeChat's speech-to-text, pushed when the account has it on."""
        if recognition is not None:
            kw["Recognition"] = recognition
        return self.message("voice", MediaId=media_id, Format="amr", **kw)

    def video(
        self, media_id: str = "media-video-1", thumb_media_id: str | None = None, **kw: Any
    ) -> Fields:
        thumb = f"{media_id}-thumb" if thumb_media_id is None else thumb_media_id
        return self.message("video", MediaId=media_id, ThumbMediaId=thumb, **kw)

    def shortvideo(
        self, media_id: str = "media-shortvideo-1", thumb_media_id: str | None = None, **kw: Any
    ) -> Fields:
        thumb = f"{media_id}-thumb" if thumb_media_id is None else thumb_media_id
        return self.message("shortvideo", MediaId=media_id, ThumbMediaId=thumb, **kw)

    def location(
        self,
        x: float = 23.134521,
        y: float = 113.358803,
        *,
        label: str = "位置",
        scale: int = 20,
        **kw: Any,
    ) -> Fields:
        """``x`` is the latitude (Location_X), ``y`` the longitude (Location_Y)."""
        return self.message("location", Location_X=x, Location_Y=y, Scale=scale, Label=label, **kw)

    def link(
        self,
        url: str = "https://example.com/a",
        *,
        title: str = "标题",
        description: str = "描述",
        **kw: Any,
    ) -> Fields:
        return self.message("link", Title=title, Description=description, Url=url, **kw)

    def miniprogrampage(
        self,
        app_id: str = "wx0123456789abcdef",
        page_path: str = "pages/order/detail?id=42",
        title: str = "订单详情",
        thumb_media_id: str = "media-miniprogram-thumb",
        **kw: Any,
    ) -> Fields:
        """A Mini Program page card the customer shared (MsgType ``miniprogrampage``)."""
        return self.message(
            "miniprogrampage",
            Title=title,
            AppId=app_id,
            PagePath=page_path,
            ThumbUrl=f"http://mmbiz.qpic.cn/{thumb_media_id}",
            ThumbMediaId=thumb_media_id,
            **kw,
        )

    def event(self, event: str, *, create_time: int | None = None, **body: Any) -> Fields:
        fields = self._header("event", create_time)
        fields["Event"] = event
        fields.update(body)
        return fields

    def subscribe(self, scene: str | None = None, **kw: Any) -> Fields:
        if scene is None:
            return self.event("subscribe", **kw)
        return self.event("subscribe", EventKey=f"qrscene_{scene}", Ticket="ticket", **kw)

    def unsubscribe(self, **kw: Any) -> Fields:
        return self.event("unsubscribe", **kw)

    def click(self, key: str, **kw: Any) -> Fields:
        return self.event("CLICK", EventKey=key, **kw)

    def tap(self, option_id: str, content: str, **kw: Any) -> Fields:
        """A tap on a tap-to-reply (msgmenu) option: a text message with the option's text and
        its id in ``bizmsgmenuid`` (docs/protocol.md §4.1)."""
        return self.message("text", Content=content, bizmsgmenuid=option_id, **kw)

    # --- what WeChat sends --------------------------------------------------------------------

    def _signed(self, timestamp: str, nonce: str) -> dict[str, str]:
        return {
            "signature": sign(self.account.token, timestamp, nonce),
            "timestamp": timestamp,
            "nonce": nonce,
        }

    def verify_url_query(
        self, echostr: str | None = None, *, timestamp: int | None = None
    ) -> dict[str, str]:
        """The GET WeChat sends when the server URL is saved in the console."""
        query = self._signed(str(int(self.clock()) if timestamp is None else timestamp), _nonce())
        query["echostr"] = echostr or str(secrets.randbelow(10**19))
        return query

    def push(
        self,
        fields: Mapping[str, Any],
        mode: str = "safe",
        *,
        timestamp: int | None = None,
        nonce: str | None = None,
        encoding_aes_key: str | None = None,
        random_prefix: bytes | None = None,
    ) -> tuple[dict[str, str], bytes]:
        """``(query, body)`` of the POST WeChat makes for ``fields`` in ``mode``.

        ``encoding_aes_key`` overrides the account's key (an old key during rotation, say).
        """
        ts = str(int(self.clock()) if timestamp is None else timestamp)
        query = self._signed(ts, nonce or _nonce())
        query["openid"] = self.open_id
        xml = push_xml(fields)
        if mode == "plaintext":
            return query, xml.encode("utf-8")

        key = encoding_aes_key or self.account.encoding_aes_key
        if key is None:
            raise ValueError(f"{mode} mode needs an EncodingAESKey")
        encrypted = MessageCipher(key, self.account.app_id).encrypt(
            xml, random_prefix=random_prefix
        )
        query["encrypt_type"] = "aes"
        query["msg_signature"] = sign(self.account.token, ts, query["nonce"], encrypted)
        if mode == "safe":
            outer: Fields = {"ToUserName": fields["ToUserName"], "Encrypt": encrypted}
        elif mode == "compatible":
            outer = {**fields, "Encrypt": encrypted}
        else:
            raise ValueError(f"unknown mode {mode!r}")
        return query, push_xml(outer).encode("utf-8")


def _nonce() -> str:
    return str(secrets.randbelow(10**10))
