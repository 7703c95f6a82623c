"""Inbound pushes (docs/protocol.md §4) parsed from untrusted XML into typed models.

Every push becomes a model: a known message or event type gets its own class, anything else
an ``UnknownMessage`` / ``UnknownEvent`` that keeps every field it arrived with, so nothing a
customer sends is ever dropped. Unknown fields on known types are kept too (``model_extra``).
"""

from __future__ import annotations

import re
from typing import Any, Literal, NoReturn, Union
from xml.parsers import expat

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shared.wechat.errors import ErrorCode, ProtocolError

MAX_BODY_BYTES = 128 * 1024
"""The largest push accepted. Real ones are a few KB (a text is at most 2048 bytes; safe mode
wraps it in about three times that); the limit keeps what is stored of a push, and its
transcript line (the text and the push's fields), inside one Table entity's 1 MiB of UTF-16."""
MAX_MSG_ID = 2**64 - 1
MAX_XML_DEPTH = 8
"""Levels of elements under the root a push may nest (WeChat's deepest, SendPicsInfo, has 4)."""

OPEN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
"""A customer's OpenID: 28 URL-safe Base64 characters today; room is left for longer ones,
never for characters that Table keys, blob names or queue messages would trip on."""
ORIGINAL_ID = re.compile(r"gh_[0-9a-zA-Z]{1,64}")
"""An account's Original ID, the ToUserName of every push."""
_NAME = re.compile(r"[A-Za-z0-9_]{1,64}")  # MsgType and Event
_DIGITS = re.compile(r"[0-9]{1,20}")  # MsgId: a 64-bit number (longer ones are refused)
CREATE_TIME_RANGE = (1_000_000_000, 4_102_444_800)
"""CreateTime is epoch seconds: from 2001-09-09 to 2100-01-01 is what a real push can carry."""


def is_open_id(value: object) -> bool:
    return isinstance(value, str) and OPEN_ID.fullmatch(value) is not None


Fields = dict[str, Any]


def parse_xml(body: bytes | str, *, max_bytes: int = MAX_BODY_BYTES) -> Fields:
    """Untrusted ``<xml>…</xml>`` → a dict of its children (nested elements become dicts,
    repeated ones lists).

    A DOCTYPE, entity declaration or external reference is refused the moment expat meets
    it: push XML is reachable by anyone who knows the URL, and several WeChat SDKs have
    shipped XXE bugs (docs/protocol.md §12). expat is driven directly, without ElementTree's
    Python-level tree building, because this is the callback's hot path.
    """
    if _larger_than(body, max_bytes):
        raise ProtocolError(ErrorCode.BODY_TOO_LARGE, f"body is larger than {max_bytes} bytes")
    builder = _FieldsBuilder()
    parser = expat.ParserCreate()
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _refuse
    parser.EntityDeclHandler = _refuse
    parser.UnparsedEntityDeclHandler = _refuse
    parser.ExternalEntityRefHandler = _refuse
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    try:
        parser.Parse(body, True)
    except expat.ExpatError:
        raise ProtocolError(ErrorCode.BAD_XML, "body is not well-formed XML") from None
    except _RefusedError:
        raise ProtocolError(
            ErrorCode.XML_REFUSED, "XML with a DTD, entities or external references is refused"
        ) from None
    except _TooDeepError:
        raise ProtocolError(
            ErrorCode.BAD_XML, f"XML nests elements more than {MAX_XML_DEPTH} levels deep"
        ) from None
    if builder.root != "xml":
        raise ProtocolError(ErrorCode.BAD_XML, "the root element must be <xml>")
    return builder.fields


def _larger_than(body: bytes | str, limit: int) -> bool:
    """Whether ``body`` exceeds ``limit`` UTF-8 bytes, without encoding text that cannot."""
    if isinstance(body, bytes):
        return len(body) > limit
    return len(body) * 4 > limit and len(body.encode("utf-8")) > limit


class _RefusedError(Exception):
    pass


class _TooDeepError(Exception):
    pass


def _refuse(*_: object) -> NoReturn:
    raise _RefusedError


class _FieldsBuilder:
    """expat callbacks that collect the root's children into dicts.

    Leaf text is kept exactly; text beside child elements (indentation) is dropped. A dict is
    only made for an element once it turns out to have children, which keeps flat pushes
    (nearly all of them) cheap.
    """

    __slots__ = ("fields", "root", "stack", "text")

    def __init__(self) -> None:
        self.fields: Fields = {}
        self.root: str | None = None
        self.stack: list[list[Any]] = []  # [tag, children dict or None]
        self.text = ""

    def start(self, name: str, _attributes: object) -> None:
        stack = self.stack
        if len(stack) > MAX_XML_DEPTH:  # the root plus MAX_XML_DEPTH levels are open
            raise _TooDeepError
        if stack:
            if stack[-1][1] is None:
                stack[-1][1] = {}
        elif self.root is None:
            self.root = name
            stack.append([name, self.fields])
            return
        stack.append([name, None])
        self.text = ""

    def data(self, text: str) -> None:
        self.text += text

    def end(self, _name: str) -> None:
        tag, children = self.stack.pop()
        if not self.stack:
            return
        value: Any = self.text if children is None else children
        self.text = ""
        parent = self.stack[-1][1]
        if tag not in parent:
            parent[tag] = value
        elif isinstance(parent[tag], list):
            parent[tag].append(value)
        else:
            parent[tag] = [parent[tag], value]


class _Model(BaseModel):
    # WeChat's element names only: a push must not reach a field (and skip the identifier
    # checks) through the model's Python name, <from_user_name> for FromUserName.
    model_config = ConfigDict(extra="allow", frozen=True)


class InboundBase(_Model):
    """The header every push carries."""

    to_user_name: str = Field(alias="ToUserName")
    from_user_name: str = Field(alias="FromUserName")
    create_time: int = Field(alias="CreateTime", ge=0)
    msg_type: str = Field(alias="MsgType")

    @field_validator("msg_type", mode="before")
    @classmethod
    def _lower_type(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @property
    def dedupe_key(self) -> str:
        """What identifies this push across WeChat's retries (docs/protocol.md §5)."""
        raise NotImplementedError


# --- standard messages (docs/protocol.md §4.1) -------------------------------------------------


class Message(InboundBase):
    """A customer's message; WeChat's ``MsgId`` identifies it across retries."""

    msg_id: int = Field(alias="MsgId", ge=0, le=MAX_MSG_ID)
    msg_data_id: str | None = Field(default=None, alias="MsgDataId")
    idx: int | None = Field(default=None, alias="Idx")

    @property
    def dedupe_key(self) -> str:
        return f"msg:{self.msg_id}"


class TextMessage(Message):
    msg_type: Literal["text"] = Field(alias="MsgType")
    content: str = Field(alias="Content")
    bizmsgmenuid: str | None = Field(default=None, alias="bizmsgmenuid")
    """Set when the customer tapped a customer-service menu item (``msgmenu``)."""


class ImageMessage(Message):
    msg_type: Literal["image"] = Field(alias="MsgType")
    pic_url: str = Field(default="", alias="PicUrl")
    media_id: str = Field(alias="MediaId")


class VoiceMessage(Message):
    msg_type: Literal["voice"] = Field(alias="MsgType")
    media_id: str = Field(alias="MediaId")
    format: str = Field(default="", alias="Format")
    recognition: str | None = Field(default=None, alias="Recognition")
    media_id_16k: str | None = Field(default=None, alias="MediaId16K")


class VideoMessage(Message):
    msg_type: Literal["video"] = Field(alias="MsgType")
    media_id: str = Field(alias="MediaId")
    thumb_media_id: str = Field(default="", alias="ThumbMediaId")


class ShortVideoMessage(Message):
    msg_type: Literal["shortvideo"] = Field(alias="MsgType")
    media_id: str = Field(alias="MediaId")
    thumb_media_id: str = Field(default="", alias="ThumbMediaId")


class LocationMessage(Message):
    msg_type: Literal["location"] = Field(alias="MsgType")
    location_x: float = Field(alias="Location_X")
    location_y: float = Field(alias="Location_Y")
    scale: int = Field(default=0, alias="Scale")
    label: str = Field(default="", alias="Label")


class LinkMessage(Message):
    msg_type: Literal["link"] = Field(alias="MsgType")
    title: str = Field(default="", alias="Title")
    description: str = Field(default="", alias="Description")
    url: str = Field(alias="Url")


class MiniProgramPageMessage(Message):
    msg_type: Literal["miniprogrampage"] = Field(alias="MsgType")
    app_id: str = Field(default="", alias="AppId")
    title: str = Field(default="", alias="Title")
    page_path: str = Field(default="", alias="PagePath")
    thumb_url: str = Field(default="", alias="ThumbUrl")
    thumb_media_id: str = Field(default="", alias="ThumbMediaId")


class UnknownMessage(InboundBase):
    """A message type this version does not model; every field is kept in ``model_extra``."""

    @property
    def dedupe_key(self) -> str:
        msg_id = (self.model_extra or {}).get("MsgId")
        if isinstance(msg_id, str) and msg_id:
            return f"msg:{msg_id}"
        return f"evt:{self.from_user_name}:{self.create_time}:{self.msg_type}"


# --- events (docs/protocol.md §4.2) ------------------------------------------------------------


class Event(InboundBase):
    """An event push. ``event`` is lower-cased: WeChat mixes ``SCAN``, ``CLICK``, ``subscribe``.

    Events have no MsgId; WeChat's dedupe key is FromUserName + CreateTime (docs/protocol.md §5).
    The event name is part of our key too, so two different events in the same second (a
    menu tap and a location report, say) are not mistaken for one.
    """

    msg_type: Literal["event"] = Field(alias="MsgType")
    event: str = Field(alias="Event")

    @field_validator("event", mode="before")
    @classmethod
    def _lower_event(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @property
    def dedupe_key(self) -> str:
        return f"evt:{self.from_user_name}:{self.create_time}:{self.event}"


class _KeyedEvent(Event):
    event_key: str = Field(default="", alias="EventKey")


class SubscribeEvent(_KeyedEvent):
    event: Literal["subscribe"] = Field(alias="Event")
    ticket: str | None = Field(default=None, alias="Ticket")

    @property
    def scene(self) -> str | None:
        """The QR scene when the follow came from a parametrised QR code."""
        prefix = "qrscene_"
        return self.event_key[len(prefix) :] if self.event_key.startswith(prefix) else None


class UnsubscribeEvent(Event):
    event: Literal["unsubscribe"] = Field(alias="Event")


class ScanEvent(_KeyedEvent):
    event: Literal["scan"] = Field(alias="Event")
    ticket: str | None = Field(default=None, alias="Ticket")

    @property
    def scene(self) -> str:
        return self.event_key


class LocationEvent(Event):
    event: Literal["location"] = Field(alias="Event")
    latitude: float = Field(alias="Latitude")
    longitude: float = Field(alias="Longitude")
    precision: float = Field(default=0.0, alias="Precision")


class ClickEvent(_KeyedEvent):
    event: Literal["click"] = Field(alias="Event")


class ViewEvent(_KeyedEvent):
    event: Literal["view"] = Field(alias="Event")
    menu_id: str | None = Field(default=None, alias="MenuId")


class ScanCodeInfo(_Model):
    scan_type: str = Field(default="", alias="ScanType")
    scan_result: str = Field(default="", alias="ScanResult")


class ScanCodeEvent(_KeyedEvent):
    event: Literal["scancode_push", "scancode_waitmsg"] = Field(alias="Event")
    scan_code_info: ScanCodeInfo = Field(alias="ScanCodeInfo")


class SendPicsInfo(_Model):
    count: int = Field(default=0, alias="Count")
    pic_md5_sums: list[str] = Field(default_factory=list, alias="PicList")

    @field_validator("pic_md5_sums", mode="before")
    @classmethod
    def _items(cls, value: Any) -> Any:
        """``<PicList><item><PicMd5Sum>…</PicMd5Sum></item>…</PicList>`` → the sums."""
        if value in ("", None):
            return []
        items = value.get("item", []) if isinstance(value, dict) else value
        if not isinstance(items, list):
            items = [items]
        return [item.get("PicMd5Sum", "") if isinstance(item, dict) else item for item in items]


class PicEvent(_KeyedEvent):
    event: Literal["pic_sysphoto", "pic_photo_or_album", "pic_weixin"] = Field(alias="Event")
    send_pics_info: SendPicsInfo = Field(alias="SendPicsInfo")


class SendLocationInfo(_Model):
    location_x: float = Field(alias="Location_X")
    location_y: float = Field(alias="Location_Y")
    scale: int = Field(default=0, alias="Scale")
    label: str = Field(default="", alias="Label")
    poi_name: str = Field(default="", alias="Poiname")


class LocationSelectEvent(_KeyedEvent):
    event: Literal["location_select"] = Field(alias="Event")
    send_location_info: SendLocationInfo = Field(alias="SendLocationInfo")


class KfSessionEvent(Event):
    """Legacy multi-agent (多客服) session events; field names follow the SDKs (UNCONFIRMED)."""

    event: Literal["kf_create_session", "kf_close_session"] = Field(alias="Event")
    kf_account: str = Field(default="", alias="KfAccount")


class KfSwitchSessionEvent(Event):
    event: Literal["kf_switch_session"] = Field(alias="Event")
    from_kf_account: str = Field(default="", alias="FromKfAccount")
    to_kf_account: str = Field(default="", alias="ToKfAccount")


class JobFinishEvent(Event):
    """Template or mass-send job reports; the remaining counters stay in ``model_extra``."""

    event: Literal["templatesendjobfinish", "masssendjobfinish"] = Field(alias="Event")
    msg_id: int | None = Field(default=None, alias="MsgID", ge=0, le=MAX_MSG_ID)
    status: str = Field(default="", alias="Status")


class UnknownEvent(Event):
    """An event this version does not model; every field is kept in ``model_extra``."""


InboundMessage = Union[  # noqa: UP007 - a named union reads better in signatures
    TextMessage,
    ImageMessage,
    VoiceMessage,
    VideoMessage,
    ShortVideoMessage,
    LocationMessage,
    LinkMessage,
    MiniProgramPageMessage,
    UnknownMessage,
    SubscribeEvent,
    UnsubscribeEvent,
    ScanEvent,
    LocationEvent,
    ClickEvent,
    ViewEvent,
    ScanCodeEvent,
    PicEvent,
    LocationSelectEvent,
    KfSessionEvent,
    KfSwitchSessionEvent,
    JobFinishEvent,
    UnknownEvent,
]

MESSAGE_TYPES: dict[str, type[InboundBase]] = {
    "text": TextMessage,
    "image": ImageMessage,
    "voice": VoiceMessage,
    "video": VideoMessage,
    "shortvideo": ShortVideoMessage,
    "location": LocationMessage,
    "link": LinkMessage,
    "miniprogrampage": MiniProgramPageMessage,
}
EVENT_TYPES: dict[str, type[InboundBase]] = {
    "subscribe": SubscribeEvent,
    "unsubscribe": UnsubscribeEvent,
    "scan": ScanEvent,
    "location": LocationEvent,
    "click": ClickEvent,
    "view": ViewEvent,
    "scancode_push": ScanCodeEvent,
    "scancode_waitmsg": ScanCodeEvent,
    "pic_sysphoto": PicEvent,
    "pic_photo_or_album": PicEvent,
    "pic_weixin": PicEvent,
    "location_select": LocationSelectEvent,
    "kf_create_session": KfSessionEvent,
    "kf_close_session": KfSessionEvent,
    "kf_switch_session": KfSwitchSessionEvent,
    "templatesendjobfinish": JobFinishEvent,
    "masssendjobfinish": JobFinishEvent,
}
HEADER_FIELDS = ("ToUserName", "FromUserName", "CreateTime", "MsgType")


def message_from_fields(fields: Fields) -> InboundMessage:
    """Pick the model for a push's ``MsgType`` (and ``Event``) and validate it.

    A known type whose fields do not fit its model (a field WeChat changed, say) falls back to
    the generic model rather than losing the customer's message; only a push without the
    common header is refused.
    """
    _check_identifiers(fields)
    msg_type = _lower(fields.get("MsgType"))
    if msg_type == "event":
        model = EVENT_TYPES.get(_lower(fields.get("Event")), UnknownEvent)
        fallback: type[InboundBase] = UnknownEvent
    else:
        model = MESSAGE_TYPES.get(msg_type, UnknownMessage)
        fallback = UnknownMessage
    try:
        return model.model_validate(fields)  # type: ignore[return-value]
    except ValidationError:
        if model is fallback:
            raise _header_error(fields) from None
    try:
        return fallback.model_validate(fields)  # type: ignore[return-value]
    except ValidationError:
        raise _header_error(fields) from None


_IDENTIFIERS: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("ToUserName", ORIGINAL_ID, 'must be an Original ID ("gh_" and letters or digits)'),
    ("FromUserName", OPEN_ID, "must be an OpenID (up to 64 letters, digits, _ or -)"),
    ("MsgType", _NAME, "must be up to 64 letters, digits or _"),
    ("Event", _NAME, "must be up to 64 letters, digits or _"),
    ("MsgId", _DIGITS, "must be a number of up to 20 digits"),
    ("MsgID", _DIGITS, "must be a number of up to 20 digits"),
    ("CreateTime", _DIGITS, "must be a number of seconds"),
)


def _check_identifiers(fields: Fields) -> None:
    """Refuse a push whose ids could not serve as Table keys, blob names or transcript order.

    They come from the sender and end up in keys (the customer row, the dedupe key, the
    transcript's order), so a malformed one is refused here, before anything is stored,
    rather than failing every pipeline step later. A missing one is the header check's.
    """
    for name, pattern, rule in _IDENTIFIERS:
        value = fields.get(name)
        if value is not None and not (isinstance(value, str) and pattern.fullmatch(value)):
            raise ProtocolError(ErrorCode.BAD_XML, f"push is not a WeChat message: {name} {rule}")
    create_time = fields.get("CreateTime")
    low, high = CREATE_TIME_RANGE
    if create_time is not None and not low <= int(create_time) < high:
        raise ProtocolError(
            ErrorCode.BAD_XML,
            "push is not a WeChat message: CreateTime is not a time between 2001 and 2100",
        )


def _lower(value: Any) -> str:
    return value.lower() if isinstance(value, str) else ""


def _header_error(fields: Fields) -> ProtocolError:
    missing = [name for name in HEADER_FIELDS if not isinstance(fields.get(name), str)]
    detail = f"missing {', '.join(missing)}" if missing else "a header field is malformed"
    return ProtocolError(ErrorCode.BAD_XML, f"push is not a WeChat message: {detail}")


def parse_message(body: bytes | str, *, max_bytes: int = MAX_BODY_BYTES) -> InboundMessage:
    """Plaintext push XML → its model (see ``parse_xml`` for what is refused)."""
    return message_from_fields(parse_xml(body, max_bytes=max_bytes))
