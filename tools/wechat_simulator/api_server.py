"""A stand-in for WeChat's server API (``https://api.weixin.qq.com``) on loopback.

Every WeChat call our app makes goes to ``WECHAT_API_BASE_URL``; pointed here, tests, the e2e
suite and benchmarks get WeChat's answers without a network or a real account: access tokens
(docs/protocol.md §7), customer-service messages with the 48-hour window and quota, and the typing
indicator (§6.2), temporary media (§8), user info, remarks and tags (§9) and callback IPs
(§10). Errors come back as WeChat sends them (§11): HTTP 200 with ``{"errcode", "errmsg"}``.

The simulator keeps what it accepted (``sent``), what it refused (``refused``) and every
request (``requests``), reads time from an injectable ``clock`` so tests can move it, and lets
tests inject faults (``inject``). Paths under ``/__sim/`` are its own: the video downloads that
``media/get`` points to, ``POST /__sim/customer_wrote`` for a customer simulator running in
another process, and the customer playground (``/__sim/accounts``, ``/__sim/playground/``).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import re
import secrets
import socket
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from email import policy
from email.message import Message
from email.parser import BytesParser
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import PurePosixPath
from typing import Any, NamedTuple
from urllib.parse import parse_qsl, quote, urlsplit

import httpx

from tools.wechat_simulator.customer import SimulatedAccount, WeChatCustomer
from tools.wechat_simulator.playground import PLAYGROUND_PATHS, Playground, PlaygroundRequest

TOKEN_OVERLAP = 300
REPLY_WINDOW = 48 * 3600
TYPING_WINDOW = 30
TYPING_SHOWS = 15
TEXT_LIMIT = 2048
MEDIA_LIFETIME = 3 * 24 * 3600
MAX_BODY = 32 * 1024 * 1024
MB = 1024 * 1024
REMARK_LIMIT = 30
TAG_NAME_LIMIT = 30
TAGS_PER_ACCOUNT = 100
TAGS_PER_USER = 20
OPENIDS_PER_BATCH = 50

# custom menu (docs/protocol.md §15) and tap-to-reply menus (§6.2)
MENU_BUTTONS, MENU_SUB_BUTTONS = 3, 5
MENU_TOP_NAME_BYTES, MENU_SUB_NAME_BYTES = 16, 60
MENU_KEY_BYTES, MENU_URL_BYTES = 128, 1024
MENU_KEY_TYPES = frozenset(
    {
        "click",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
    }
)
MENU_TYPES = MENU_KEY_TYPES | {
    "view",
    "miniprogram",
    "media_id",
    "view_limited",
    "article_id",
    "article_view_limited",
}
MSGMENU_ITEMS, MSGMENU_ID_BYTES, MSGMENU_ITEM_BYTES, MSGMENU_TEXT_BYTES = 10, 64, 128, 1024

CLASSIC_ISSUER = "/cgi-bin/token"
SEND_PATH = "/cgi-bin/message/custom/send"
STABLE_ISSUER = "/cgi-bin/stable_token"
VIDEO_PREFIX = "/__sim/video/"
VIDEO_KINDS = frozenset({"video", "shortvideo"})
CUSTOMER_MEDIA_KINDS = frozenset({"image", "voice", "video", "shortvideo", "thumb"})
JSON_TYPE = "application/json; encoding=utf-8"

# type → (accepted formats, largest size), docs/protocol.md §8
MEDIA_RULES: dict[str, tuple[frozenset[str], int]] = {
    "image": (frozenset({"jpg", "jpeg", "png", "gif"}), 10 * MB),
    "voice": (frozenset({"amr", "mp3"}), 2 * MB),
    "video": (frozenset({"mp4"}), 10 * MB),
    "thumb": (frozenset({"jpg", "jpeg"}), 64 * 1024),
}
MATERIAL_RULES: dict[str, tuple[frozenset[str], int]] = {
    **MEDIA_RULES,
    "image": (frozenset({"bmp", "png", "jpeg", "jpg", "gif"}), 10 * MB),
}
MATERIAL_URL = "http://mmbiz.qpic.cn/sim_mmbiz/"
"""Where a material image's URL points (WeChat's image host; the simulator serves nothing there)."""
CONTENT_TYPE_OF_FORMAT = {
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "gif": "image/gif",
    "amr": "audio/amr",
    "mp3": "audio/mpeg",
    "mp4": "video/mp4",
}
FORMAT_OF_CONTENT_TYPE = {
    **{content_type: fmt for fmt, content_type in CONTENT_TYPE_OF_FORMAT.items() if fmt != "jpeg"},
    "image/jpg": "jpg",
    "audio/mp3": "mp3",
}

# WeChat's wording where it is known (docs/protocol.md §7, §8, §11; WxJava's WxMpErrorMsgEnum)
ERRMSG = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40004: "invalid media type",
    40005: "invalid file type",
    40006: "invalid meida size",
    40007: "invalid media_id",
    40008: "invalid message type",
    40013: "invalid appid",
    40014: "invalid access_token",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41005: "media data missing",
    42001: "access_token expired",
    43001: "require GET method",
    43002: "require POST method",
    43004: "require subscribe",
    44001: "empty media data",
    44002: "empty post data",
    44003: "empty news data",
    44004: "empty content",
    45001: "media size out of limit",
    45002: "content size out of limit",
    45008: "article size out of limit",
    45015: "response out of time limit or subscription is canceled",
    45047: "out of response count limit",
    45072: "command field is invalid",
    45080: "has not sent message to the user in the last 30 seconds",
    45081: "already in typing status",
    40032: "invalid openid list size",
    45056: "too many tags now, no need to add new",
    45057: "can't delete the tag that has too many fans",
    45058: "can't modify sys tag",
    45059: "too many tag now, no need to add new",
    45157: "invalid tag name",
    45158: "tag name too long",
    45159: "invalid tag id",
    49003: "not match openid with appid",
    47001: "data format error",
    40037: "invalid template_id",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    47003: "argument invalid! data.value invalid",
    40016: "invalid button size",
    40017: "invalid button type",
    40018: "invalid button name size",
    40019: "invalid button key size",
    40020: "invalid button url size",
    40023: "invalid sub button size",
    40024: "invalid sub button type",
    40025: "invalid sub button name size",
    40026: "invalid sub button key size",
    40027: "invalid sub button url size",
    46003: "menu no exist",
}
TEMPLATE_SEND_PATH = "/cgi-bin/message/template/send"
TEMPLATE_DAILY_QUOTA = 100_000
"""Template messages per account and day (docs/protocol.md §6.3)."""
TEMPLATE_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z][A-Za-z0-9_]*)\.DATA\s*\}\}")
TEMPLATE_VALUE_LIMIT = 200
TYPED_VALUE_LIMITS = {"thing": 20, "character_string": 32, "number": 32, "phrase": 5}
"""The newer typed keys' published limits; the simulator refuses longer values (47003)."""


class _RefusedError(Exception):
    """Raised by handlers; dispatch answers it as WeChat does, in a 200 body."""

    def __init__(self, errcode: int) -> None:
        super().__init__(errcode)
        self.errcode = errcode


@dataclass(frozen=True)
class SentMessage:
    """A customer-service message the simulator accepted, as our app sent it."""

    app_id: str
    touser: str
    msgtype: str
    body: dict[str, Any]
    access_token: str
    received_at: float
    received_monotonic: float


@dataclass(frozen=True)
class RefusedSend:
    """A customer-service message the simulator refused, with WeChat's ``errcode``: what a
    phone never shows."""

    app_id: str
    touser: str
    msgtype: str
    body: dict[str, Any]
    errcode: int
    errmsg: str
    received_at: float


@dataclass(frozen=True)
class TypingCall:
    """A ``message/custom/typing`` call, with the errcode it got (0: shown or cancelled)."""

    app_id: str
    touser: str
    command: str
    errcode: int
    received_at: float


@dataclass(frozen=True)
class SentTemplate:
    """A template message the simulator accepted, with the ``msgid`` it answered."""

    app_id: str
    touser: str
    template_id: str
    data: dict[str, Any]
    body: dict[str, Any]
    msg_id: int
    received_at: float


@dataclass(frozen=True)
class PrivateTemplate:
    """A template the account chose in WeChat's console (``get_all_private_template``)."""

    template_id: str
    title: str
    content: str
    example: str = ""
    primary_industry: str = "IT科技"
    deputy_industry: str = "互联网|电子商务"


@dataclass(frozen=True)
class RegisteredAccount:
    """An account as WeChat's console holds it: its secrets and where its pushes go
    (服务器配置: the server URL and the message mode)."""

    name: str
    account: SimulatedAccount
    server_url: str
    mode: str


@dataclass(frozen=True)
class CustomerState:
    """What WeChat knows of one customer of an account: following, and the reply window."""

    following: bool
    window_expires_at: float | None
    replies_left: int | None
    """None: no limit (``quota`` None)."""
    typing: bool = False
    """Whether the account's typing indicator shows on the customer's phone now."""


@dataclass(frozen=True)
class StoredMedia:
    media_id: str
    kind: str
    content: bytes
    content_type: str
    filename: str
    created_at: int
    app_id: str | None
    permanent: bool = False
    """A material (``material/add_material``): it lives until deleted."""

    def expired(self, now: float) -> bool:
        """Temporary media live 3 days, uploaded or received (docs/protocol.md §8)."""
        return not self.permanent and now >= self.created_at + MEDIA_LIFETIME


class ApiRequest(NamedTuple):
    method: str
    path: str
    query: dict[str, str]


@dataclass
class _Token:
    value: str
    app_id: str
    expires_at: float
    retired_at: float | None = None

    def retire(self, at: float) -> None:
        self.retired_at = at if self.retired_at is None else min(self.retired_at, at)

    def refusal(self, now: float) -> int | None:
        """40001 once a newer token replaced it, 42001 once its own lifetime ran out (§7, §11)."""
        retired_at = self.retired_at
        if retired_at is not None and retired_at <= now and retired_at < self.expires_at:
            return 40001
        if now >= self.expires_at:
            return 42001
        return None


@dataclass
class _Customer:
    subscribe_time: int
    following: bool = True
    last_wrote: float | None = None
    replies: int = 0
    tags: list[int] = field(default_factory=list)
    last_sent: float | None = None
    """When a customer-service message last reached them (an interaction, for typing)."""
    typing_until: float | None = None
    """Until when a Typing indicator shows (15 s, unless cancelled or a message went)."""
    remark: str = ""
    unionid: str | None = None
    subscribe_scene: str = "ADD_SCENE_QR_CODE"
    qr_scene: int = 0
    qr_scene_str: str = ""


@dataclass
class _Fault:
    errcode: int | None
    errmsg: str | None
    delay: float
    http_status: int | None
    remaining: int


@dataclass(frozen=True)
class _Call:
    method: str
    path: str
    query: dict[str, str]
    content_type: str
    body: bytes
    headers: Message | None = None

    def json(self) -> dict[str, Any]:
        if not self.body.strip():
            raise _RefusedError(44002)
        try:
            data = json.loads(self.body)
        except ValueError:
            raise _RefusedError(47001) from None
        if not isinstance(data, dict):
            raise _RefusedError(47001)
        return data


@dataclass(frozen=True)
class _Reply:
    body: bytes
    content_type: str = JSON_TYPE
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    summary: str = "ok"


@dataclass(frozen=True)
class _Upload:
    filename: str | None
    content_type: str | None
    content: bytes


Handler = Callable[[_Call], _Reply]

OK: dict[str, Any] = {"errcode": 0, "errmsg": "ok"}


class WeChatApiSimulator:
    """WeChat's server API on ``127.0.0.1``; ``url`` is what ``WECHAT_API_BASE_URL`` takes.

    ``quota`` is the number of customer-service messages allowed per customer message (§6.2:
    5 today; ``None`` for no limit). State is shared by the server's threads behind one lock.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        clock: Callable[[], float] = time.time,
        token_lifetime: int = 7200,
        quota: int | None = 5,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self._port = port
        self._clock = clock
        self._token_lifetime = token_lifetime
        self.quota = quota
        """Replies allowed per customer message; None: no limit (tests may change it)."""
        self.callback_ips: list[str] = ["127.0.0.1"]
        """What getcallbackip lists: the loopback pushes come from (tests may change it)."""
        self._log = log
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

        self._secrets: dict[str, str] = {}
        self._tokens: dict[str, _Token] = {}
        self._current_tokens: dict[tuple[str, str], _Token] = {}
        self._token_fetches = {CLASSIC_ISSUER: 0, STABLE_ISSUER: 0}
        self._customers: dict[tuple[str, str], _Customer] = {}
        self._media: dict[str, StoredMedia] = {}
        self._faults: dict[str, deque[_Fault]] = {}
        self._sent: list[SentMessage] = []
        self._refused: list[RefusedSend] = []
        self._typing_calls: list[TypingCall] = []
        self._requests: list[ApiRequest] = []
        self._accounts: dict[str, RegisteredAccount] = {}
        self.template_quota: int | None = TEMPLATE_DAILY_QUOTA
        """Template messages per account and China day; None: no limit (tests may change it)."""
        self.job_report_delay = 0.2
        """Seconds after a template send before TEMPLATESENDJOBFINISH is pushed."""
        self._private_templates: dict[str, dict[str, PrivateTemplate]] = {}
        self._templates_sent: list[SentTemplate] = []
        self._template_counts: dict[tuple[str, str], int] = {}
        self._template_refusers: set[tuple[str, str]] = set()
        self._template_blocked: set[tuple[str, str]] = set()
        self._msg_ids = itertools.count(200_000_001)
        self._account_tags: dict[str, dict[int, str]] = {}
        """Each account's tags, by id (docs/protocol.md §9): 2 is WeChat's own 星标组."""
        self._menus: dict[str, dict[str, Any]] = {}
        self.playground = Playground(self)
        """The customer playground, served under ``/__sim/playground/``."""

        self._routes: dict[str, tuple[str, Handler]] = {
            CLASSIC_ISSUER: ("GET", self._token),
            STABLE_ISSUER: ("POST", self._stable_token),
            SEND_PATH: ("POST", self._custom_send),
            "/cgi-bin/message/custom/typing": ("POST", self._typing),
            "/cgi-bin/media/upload": ("POST", self._media_upload),
            "/cgi-bin/media/get": ("GET", self._media_get),
            "/cgi-bin/material/add_material": ("POST", self._add_material),
            "/cgi-bin/material/get_material": ("POST", self._get_material),
            "/cgi-bin/material/del_material": ("POST", self._del_material),
            "/cgi-bin/user/info": ("GET", self._user_info),
            "/cgi-bin/user/info/updateremark": ("POST", self._update_remark),
            "/cgi-bin/tags/get": ("GET", self._tags_get),
            "/cgi-bin/tags/create": ("POST", self._tags_create),
            "/cgi-bin/tags/members/batchtagging": ("POST", self._batch_tagging),
            "/cgi-bin/tags/members/batchuntagging": ("POST", self._batch_untagging),
            "/cgi-bin/getcallbackip": ("GET", self._callback_ips),
            "/cgi-bin/menu/create": ("POST", self._menu_create),
            "/cgi-bin/menu/get": ("GET", self._menu_get),
            "/cgi-bin/get_current_selfmenu_info": ("GET", self._selfmenu_info),
            "/__sim/customer_wrote": ("POST", self._sim_customer_wrote),
            "/__sim/sent": ("GET", self._sim_sent),
            TEMPLATE_SEND_PATH: ("POST", self._template_send),
            "/cgi-bin/template/get_all_private_template": ("GET", self._private_template_list),
        }
        self._content_checks: dict[str, Callable[[str, dict[str, Any]], None]] = {
            "text": self._check_text,
            "image": self._check_media_message,
            "voice": self._check_media_message,
            "video": self._check_video,
            "news": self._check_news,
            "msgmenu": self._check_menu,
            "miniprogrampage": self._check_mini_program_page,
        }
        self.linked_mini_programs: dict[str, set[str]] = {}
        """Account AppID → the mini-program AppIDs linked to it. An account listed here is
        refused cards of others (40013); an account not listed is refused none."""

    # --- lifecycle -------------------------------------------------------------------------------

    def start(self) -> WeChatApiSimulator:
        """Serve in a background thread. After ``stop`` it serves again on the same port, with
        the same state, so tests can take WeChat away and bring it back."""
        if self._server is not None:
            return self
        self._stopping.clear()
        self._server = _Server(("127.0.0.1", self._port), _RequestHandler)
        self._server.simulator = self
        self._port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="wechat-api-simulator",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, cut open keep-alive connections and end pending delays."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> WeChatApiSimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the simulator has not been started")
        return self._port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- the world tests arrange -------------------------------------------------------------

    def add_account(self, app_id: str, app_secret: str) -> None:
        """An account that may fetch access tokens; ``register_account`` also says where its
        pushes go."""
        with self._lock:
            self._secrets[app_id] = app_secret

    def register_account(
        self, account: SimulatedAccount, *, server_url: str, mode: str = "safe", name: str = ""
    ) -> bool:
        """The whole account, as its console holds it: it fetches tokens with its AppSecret,
        and the playground pushes its customers' messages to ``server_url`` in ``mode``.
        Registering an AppID again replaces it; returns whether it was new."""
        with self._lock:
            new = account.app_id not in self._accounts
            self._secrets[account.app_id] = account.app_secret
            self._accounts[account.app_id] = RegisteredAccount(
                name or account.app_id, account, server_url, mode
            )
            return new

    def registered_account(self, app_id: str) -> RegisteredAccount | None:
        with self._lock:
            return self._accounts.get(app_id)

    @property
    def registered_accounts(self) -> list[RegisteredAccount]:
        """In the order they were first registered."""
        with self._lock:
            return list(self._accounts.values())

    def now(self) -> float:
        """The simulator's clock: WeChat's time."""
        return self._clock()

    def customer_wrote(self, app_id: str, openid: str, at: float | None = None) -> None:
        """The customer sent a message: it opens the 48-hour window and restores the quota
        (§6.2; the restore is UNCONFIRMED there). Call it before pushing the message to the
        app, as WeChat records a message before delivering it. Writing implies following."""
        with self._lock:
            now = self._clock() if at is None else at
            customer = self._customer(app_id, openid, now)
            customer.following = True
            customer.last_wrote = now
            customer.replies = 0

    def unfollow(self, app_id: str, openid: str) -> None:
        with self._lock:
            self._customer(app_id, openid, self._clock()).following = False

    def follow(self, app_id: str, openid: str) -> None:
        """The customer follows (again): sends still need a message of theirs (45015)."""
        with self._lock:
            now = self._clock()
            customer = self._customer(app_id, openid, now)
            if not customer.following:
                customer.following = True
                customer.subscribe_time = int(now)

    def lapse_window(self, app_id: str, openid: str) -> None:
        """As if 48 hours had passed since the customer last wrote: sends get 45015."""
        with self._lock:
            customer = self._customer(app_id, openid, self._clock())
            if customer.last_wrote is not None:
                customer.last_wrote = min(customer.last_wrote, self._clock() - REPLY_WINDOW - 1)

    def use_up_quota(self, app_id: str, openid: str) -> None:
        """As if the replies allowed since the customer last wrote had been sent: 45047."""
        with self._lock:
            customer = self._customer(app_id, openid, self._clock())
            if self.quota is not None:
                customer.replies = max(customer.replies, self.quota)

    def customer_state(self, app_id: str, openid: str) -> CustomerState | None:
        """None for a customer WeChat has not heard of."""
        with self._lock:
            customer = self._customers.get((app_id, openid))
            if customer is None:
                return None
            now = self._clock()
            expires_at = None
            if customer.last_wrote is not None and now - customer.last_wrote <= REPLY_WINDOW:
                expires_at = customer.last_wrote + REPLY_WINDOW
            left = None if self.quota is None else max(0, self.quota - customer.replies)
            typing = customer.typing_until is not None and now < customer.typing_until
            return CustomerState(customer.following, expires_at, left, typing)

    def add_user(
        self,
        app_id: str,
        openid: str,
        *,
        tags: Iterable[int] = (),
        subscribe_time: int | None = None,
    ) -> None:
        """A follower who has not written (yet): ``user/info`` knows them, sends still get 45015."""
        with self._lock:
            now = self._clock()
            customer = self._customer(app_id, openid, now)
            customer.following = True
            customer.tags = list(tags)
            customer.subscribe_time = int(now) if subscribe_time is None else subscribe_time

    def set_user(
        self,
        app_id: str,
        openid: str,
        *,
        remark: str | None = None,
        tags: Iterable[int] | None = None,
        unionid: str | None = None,
        subscribe_scene: str | None = None,
        qr_scene: int | None = None,
        qr_scene_str: str | None = None,
        subscribe_time: int | None = None,
    ) -> None:
        """What ``user/info`` says of a follower (known or new): each field given replaces
        what was there; ``unionid`` as if the account were bound to an Open Platform."""
        with self._lock:
            customer = self._customer(app_id, openid, self._clock())
            if remark is not None:
                customer.remark = remark
            if tags is not None:
                customer.tags = list(tags)
            if unionid is not None:
                customer.unionid = unionid or None
            if subscribe_scene is not None:
                customer.subscribe_scene = subscribe_scene
            if qr_scene is not None:
                customer.qr_scene = qr_scene
            if qr_scene_str is not None:
                customer.qr_scene_str = qr_scene_str
            if subscribe_time is not None:
                customer.subscribe_time = subscribe_time

    def user(self, app_id: str, openid: str) -> dict[str, Any] | None:
        """The follower as ``user/info`` would answer, or None for one WeChat has not heard of."""
        with self._lock:
            customer = self._customers.get((app_id, openid))
            return None if customer is None else _user_json(openid, customer)

    def add_tag(self, app_id: str, name: str) -> int:
        """A tag of the account, as ``tags/create`` makes one → its id."""
        with self._lock:
            return self._create_tag(app_id, name)

    def add_media(
        self,
        content: bytes,
        content_type: str,
        kind: str,
        filename: str | None = None,
        *,
        app_id: str | None = None,
    ) -> str:
        """Media a customer sent (the ``MediaId`` of an inbound image, voice or video push);
        ``app_id`` None lets every account download it. ``filename`` is announced exactly as
        given (percent-encoded where a header needs it), so a test can send a hostile one."""
        if kind not in CUSTOMER_MEDIA_KINDS:
            raise ValueError(f"kind must be one of {sorted(CUSTOMER_MEDIA_KINDS)}, not {kind!r}")
        with self._lock:
            return self._store_media(kind, content, content_type, filename, app_id).media_id

    def media(self, media_id: str) -> StoredMedia | None:
        """What was uploaded or added under ``media_id``, expired or not."""
        with self._lock:
            return self._media.get(media_id)

    # --- faults ----------------------------------------------------------------------------------

    def inject(
        self,
        path: str,
        *,
        errcode: int | None = None,
        errmsg: str | None = None,
        delay: float = 0.0,
        times: int = 1,
        http_status: int | None = None,
    ) -> None:
        """The next ``times`` requests to ``path`` wait ``delay`` seconds, then answer
        ``errcode`` (in a 200, as WeChat does), or the raw ``http_status``, or, with neither,
        are handled normally. Faults on one path are used in the order they were injected."""
        if errcode is not None and http_status is not None:
            raise ValueError("a fault answers either an errcode or an HTTP status")
        if errcode is None and http_status is None and delay <= 0:
            raise ValueError("a fault needs an errcode, an http_status or a delay")
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._faults.setdefault(path, deque()).append(
                _Fault(errcode, errmsg, delay, http_status, times)
            )

    def reset_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    # --- what tests read -------------------------------------------------------------------------

    @property
    def sent(self) -> list[SentMessage]:
        with self._lock:
            return list(self._sent)

    @property
    def refused(self) -> list[RefusedSend]:
        """Every customer-service message refused with an errcode, by WeChat's rules or an
        injected fault, once the caller's token was known: the phone never shows them."""
        with self._lock:
            return list(self._refused)

    def wait_for_sent(self, count: int, timeout: float = 5.0) -> list[SentMessage]:
        """Every accepted message once there are at least ``count``; TimeoutError if not in time."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._sent) >= count, timeout):
                raise TimeoutError(
                    f"{len(self._sent)} of {count} messages accepted after {timeout} s"
                )
            return list(self._sent)

    @property
    def typing_calls(self) -> list[TypingCall]:
        """Every typing indicator call that named a recipient, shown, cancelled or refused."""
        with self._lock:
            return list(self._typing_calls)

    @property
    def requests(self) -> list[ApiRequest]:
        """Every request, ``secret`` redacted."""
        with self._lock:
            return list(self._requests)

    def calls(self, path: str) -> int:
        with self._lock:
            return sum(1 for request in self._requests if request.path == path)

    @property
    def token_fetches(self) -> int:
        """Calls to either token API that issued or returned a token."""
        with self._lock:
            return sum(self._token_fetches.values())

    @property
    def token_fetches_by_api(self) -> dict[str, int]:
        """The same, by path: ``/cgi-bin/token`` and ``/cgi-bin/stable_token``."""
        with self._lock:
            return dict(self._token_fetches)

    # --- request plumbing --------------------------------------------------------------------

    def _handle(
        self,
        method: str,
        target: str,
        content_type: str,
        body: bytes | None,
        headers: Message | None = None,
    ) -> _Reply | None:
        """One request, start to end; None means drop the connection (stopping mid-delay)."""
        parts = urlsplit(target)
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        call = _Call(method, path, query, content_type, body or b"", headers)
        with self._lock:
            self._requests.append(ApiRequest(method, path, _redacted(query)))
            fault = self._take_fault(path)
        reply = None
        if fault is not None:
            if fault.delay > 0 and self._stopping.wait(fault.delay):
                return None
            reply = _fault_reply(fault)
            if fault.errcode is not None and path == SEND_PATH:
                self._record_refused_fault(call, fault)
        if reply is None:
            reply = self._dispatch(call, too_large=body is None)
        if self._log is not None:
            self._log(f"{method} {path} -> {reply.summary}")
        return reply

    def _take_fault(self, path: str) -> _Fault | None:
        queue = self._faults.get(path)
        if not queue:
            return None
        fault = queue[0]
        fault.remaining -= 1
        if fault.remaining == 0:
            queue.popleft()
        return fault

    def _dispatch(self, call: _Call, *, too_large: bool) -> _Reply:
        if call.path.startswith(VIDEO_PREFIX):
            return self._video_file(call.path[len(VIDEO_PREFIX) :])
        if call.path.startswith(PLAYGROUND_PATHS):
            if too_large:
                return _status_reply(413)
            answer = self.playground.handle(
                PlaygroundRequest(call.method, call.path, call.query, call.body, call.headers)
            )
            return _Reply(answer.body, answer.content_type, answer.status, answer.headers)
        route = self._routes.get(call.path)
        if route is None:
            return _status_reply(404)
        method, handler = route
        try:
            if call.method != method:
                raise _RefusedError(43001 if method == "GET" else 43002)
            if too_large:
                raise _RefusedError(45001)
            return handler(call)
        except _RefusedError as error:
            return _error(error.errcode)

    def _authorize(self, call: _Call) -> tuple[str, str]:
        """``(app_id, token)`` for the call's ``access_token``; the caller holds the lock."""
        value = call.query.get("access_token")
        if not value:
            raise _RefusedError(41001)
        token = self._tokens.get(value)
        if token is None:
            raise _RefusedError(40014)
        refusal = token.refusal(self._clock())
        if refusal is not None:
            raise _RefusedError(refusal)
        return token.app_id, value

    def _customer(self, app_id: str, openid: str, now: float) -> _Customer:
        return self._customers.setdefault((app_id, openid), _Customer(subscribe_time=int(now)))

    # --- access tokens (docs/protocol.md §7) ------------------------------------------------------

    def _check_credentials(self, grant_type: Any, app_id: Any, secret: Any) -> str:
        if not app_id:
            raise _RefusedError(41002)
        if not secret:
            raise _RefusedError(41004)
        if grant_type != "client_credential":
            raise _RefusedError(40002)
        if app_id not in self._secrets:
            raise _RefusedError(40013)
        if not secrets.compare_digest(str(secret).encode(), self._secrets[app_id].encode()):
            raise _RefusedError(40001)
        return str(app_id)

    def _issue(self, path: str, app_id: str, now: float) -> _Token:
        token = _Token(secrets.token_urlsafe(96), app_id, now + self._token_lifetime)
        self._tokens[token.value] = token
        self._current_tokens[(path, app_id)] = token
        return token

    def _token(self, call: _Call) -> _Reply:
        """Every call issues a new token; the one before works 5 more minutes."""
        q = call.query
        with self._lock:
            app_id = self._check_credentials(q.get("grant_type"), q.get("appid"), q.get("secret"))
            now = self._clock()
            previous = self._current_tokens.get((call.path, app_id))
            if previous is not None:
                previous.retire(now + TOKEN_OVERLAP)
            token = self._issue(call.path, app_id, now)
            self._token_fetches[call.path] += 1
        return _json({"access_token": token.value, "expires_in": self._token_lifetime})

    def _stable_token(self, call: _Call) -> _Reply:
        """The same token until 5 minutes are left; then a new one while the old one lives
        out its time. ``force_refresh`` replaces it at once."""
        body = call.json()
        with self._lock:
            app_id = self._check_credentials(
                body.get("grant_type"), body.get("appid"), body.get("secret")
            )
            now = self._clock()
            token = self._current_tokens.get((call.path, app_id))
            if token is not None and body.get("force_refresh") is True:
                token.retire(now)
                token = None
            if token is None or token.expires_at - now <= TOKEN_OVERLAP:
                token = self._issue(call.path, app_id, now)
            self._token_fetches[call.path] += 1
        return _json({"access_token": token.value, "expires_in": int(token.expires_at - now)})

    # --- customer-service messages (docs/protocol.md §6.2) ----------------------------------------

    def _recipient(self, app_id: str, openid: Any) -> _Customer | None:
        if not isinstance(openid, str) or not openid or openid.startswith("invalid"):
            raise _RefusedError(40003)
        customer = self._customers.get((app_id, openid))
        if customer is not None and not customer.following:
            raise _RefusedError(43004)
        return customer

    def _custom_send(self, call: _Call) -> _Reply:
        with self._lock:
            app_id, token = self._authorize(call)
            message = call.json()
            try:
                recipient = self._check_send(app_id, message)
            except _RefusedError as error:
                self._record_refused(app_id, message, error.errcode, None)
                raise
            msgtype = message["msgtype"]
            now = self._clock()
            recipient.replies += 1
            recipient.last_sent = now
            recipient.typing_until = None  # a message cancels the typing indicator
            self._sent.append(
                SentMessage(
                    app_id, message["touser"], msgtype, message, token, now, time.monotonic()
                )
            )
            self._changed.notify_all()
        return _json(OK)

    def _check_send(self, app_id: str, message: dict[str, Any]) -> _Customer:
        """The recipient, if WeChat would deliver ``message``; else ``_RefusedError``."""
        msgtype = message.get("msgtype")
        customer = self._recipient(app_id, message.get("touser"))
        check = self._content_checks.get(msgtype) if isinstance(msgtype, str) else None
        if check is None:
            raise _RefusedError(40008)
        payload = message.get(msgtype)
        check(app_id, payload if isinstance(payload, dict) else {})
        if customer is None or customer.last_wrote is None:
            raise _RefusedError(45015)
        if self._clock() - customer.last_wrote > REPLY_WINDOW:
            raise _RefusedError(45015)
        if self.quota is not None and customer.replies >= self.quota:
            raise _RefusedError(45047)
        return customer

    def _record_refused(
        self, app_id: str, message: dict[str, Any], errcode: int, errmsg: str | None
    ) -> None:
        """The caller holds the lock. A message without a recipient is no one's to show."""
        touser, msgtype = message.get("touser"), message.get("msgtype")
        if isinstance(touser, str) and touser:
            self._refused.append(
                RefusedSend(
                    app_id,
                    touser,
                    msgtype if isinstance(msgtype, str) else "",
                    message,
                    errcode,
                    errmsg or ERRMSG.get(errcode, "simulated error"),
                    self._clock(),
                )
            )
            self._changed.notify_all()

    def _record_refused_fault(self, call: _Call, fault: _Fault) -> None:
        """A send an injected fault refused, recorded like any refusal when its token is known."""
        with self._lock:
            token = self._tokens.get(call.query.get("access_token", ""))
            try:
                message = call.json()
            except _RefusedError:
                return
            if token is not None and fault.errcode is not None:
                self._record_refused(token.app_id, message, fault.errcode, fault.errmsg)

    def _check_text(self, app_id: str, payload: dict[str, Any]) -> None:
        content = payload.get("content")
        if not isinstance(content, str) or not content:
            raise _RefusedError(44004)
        if len(content.encode("utf-8")) > TEXT_LIMIT:
            raise _RefusedError(45002)

    def _check_media_message(self, app_id: str, payload: dict[str, Any]) -> None:
        self._live_media(app_id, payload.get("media_id"))

    def _check_news(self, app_id: str, payload: dict[str, Any]) -> None:
        articles = payload.get("articles")
        if not isinstance(articles, list) or not articles:
            raise _RefusedError(44003)
        if len(articles) > 1:
            raise _RefusedError(45008)

    def _check_menu(self, app_id: str, payload: dict[str, Any]) -> None:
        """WeChat Work's documented limits for the same message (docs/protocol.md §6.2; the
        Service-account page states none, and the errcode is our guess): 1-10 items, ids of
        1-64 bytes, texts of 1-128 bytes, head and tail of at most 1024 bytes."""
        items = payload.get("list")
        if not isinstance(items, list) or not 1 <= len(items) <= MSGMENU_ITEMS:
            raise _RefusedError(47001)
        if not all(isinstance(item, dict) and "id" in item and "content" in item for item in items):
            raise _RefusedError(47001)
        for item in items:
            if not _sized(item["id"], 1, MSGMENU_ID_BYTES):
                raise _RefusedError(47001)
            if not _sized(item["content"], 1, MSGMENU_ITEM_BYTES):
                raise _RefusedError(47001)
        for name in ("head_content", "tail_content"):
            if not _sized(payload.get(name, ""), 0, MSGMENU_TEXT_BYTES):
                raise _RefusedError(47001)

    # --- custom menu (docs/protocol.md §15) --------------------------------------------------

    def _menu_create(self, call: _Call) -> _Reply:
        """Checked in WeChat's order of errcodes; a good menu replaces the account's whole menu."""
        with self._lock:
            app_id, _ = self._authorize(call)
            menu = call.json()
            buttons = menu.get("button")
            if not isinstance(buttons, list) or not 1 <= len(buttons) <= MENU_BUTTONS:
                raise _RefusedError(40016)
            for button in buttons:
                _check_menu_button(button)
            self._menus[app_id] = {"button": buttons}
        return _json(OK)

    def _menu_get(self, call: _Call) -> _Reply:
        """Leaves carry ``sub_button: []``, as WeChat answers."""
        with self._lock:
            app_id, _ = self._authorize(call)
            menu = self._menus.get(app_id)
            if menu is None:
                raise _RefusedError(46003)
            buttons = [
                {**b, "sub_button": [{**s, "sub_button": []} for s in b.get("sub_button", [])]}
                for b in menu["button"]
            ]
        return _json({"menu": {"button": buttons}})

    def _selfmenu_info(self, call: _Call) -> _Reply:
        """The menu as it shows, API-made or not: sub-buttons under ``sub_button.list``."""
        with self._lock:
            app_id, _ = self._authorize(call)
            menu = self._menus.get(app_id)
        if menu is None:
            return _json({"is_menu_open": 0})
        buttons = [
            {**b, "sub_button": {"list": b["sub_button"]}} if b.get("sub_button") else b
            for b in menu["button"]
        ]
        return _json({"is_menu_open": 1, "selfmenu_info": {"button": buttons}})

    def menu(self, app_id: str) -> dict[str, Any] | None:
        """The menu the account last created (``{"button": […]}``), if any."""
        with self._lock:
            return self._menus.get(app_id)

    def menu_keys(self, app_id: str) -> list[str]:
        """The keys a customer can click in the account's menu."""
        menu = self.menu(app_id) or {"button": []}
        found: list[str] = []
        for button in menu["button"]:
            for leaf in button.get("sub_button") or [button]:
                if "key" in leaf:
                    found.append(leaf["key"])
        return found

    def _typing(self, call: _Call) -> _Reply:
        """Typing / CancelTyping (§6.2): refused like a send outside the window (45015), then
        without an exchange of messages in the last 30 s (45080: the customer wrote or a
        message reached them), and a Typing while one shows (45081, for 15 s). Every call with
        a recipient is recorded (``typing_calls``)."""
        with self._lock:
            app_id, _ = self._authorize(call)
            body = call.json()
            touser, command = body.get("touser"), body.get("command")
            try:
                self._check_typing(app_id, touser, command)
            except _RefusedError as error:
                self._record_typing(app_id, touser, command, error.errcode)
                raise
            self._record_typing(app_id, touser, command, 0)
        return _json(OK)

    def _check_typing(self, app_id: str, touser: Any, command: Any) -> None:
        """The caller holds the lock; applies an accepted command."""
        customer = self._recipient(app_id, touser)
        if command not in ("Typing", "CancelTyping"):
            raise _RefusedError(45072)
        now = self._clock()
        if customer is None or customer.last_wrote is None:
            raise _RefusedError(45015)
        if now - customer.last_wrote > REPLY_WINDOW:
            raise _RefusedError(45015)
        interacted = max(customer.last_wrote, customer.last_sent or customer.last_wrote)
        if now - interacted > TYPING_WINDOW:
            raise _RefusedError(45080)
        showing = customer.typing_until is not None and now < customer.typing_until
        if command == "Typing":
            if showing:
                raise _RefusedError(45081)
            customer.typing_until = now + TYPING_SHOWS
        else:
            customer.typing_until = None

    def _record_typing(self, app_id: str, touser: Any, command: Any, errcode: int) -> None:
        if isinstance(touser, str) and touser:
            self._typing_calls.append(
                TypingCall(
                    app_id,
                    touser,
                    command if isinstance(command, str) else "",
                    errcode,
                    self._clock(),
                )
            )

    # --- temporary media (docs/protocol.md §8) ----------------------------------------------------

    def _store_media(
        self,
        kind: str,
        content: bytes,
        content_type: str,
        filename: str | None,
        app_id: str | None,
    ) -> StoredMedia:
        media_id = secrets.token_urlsafe(48)
        name = filename or f"{media_id}.{_format_of(None, content_type) or 'bin'}"
        media = StoredMedia(media_id, kind, content, content_type, name, int(self._clock()), app_id)
        self._media[media_id] = media
        return media

    def _live_media(self, app_id: str, media_id: Any) -> StoredMedia:
        media = self._media.get(media_id) if isinstance(media_id, str) else None
        if media is None or media.app_id not in (None, app_id) or media.expired(self._clock()):
            raise _RefusedError(40007)
        return media

    def _store_upload(
        self, call: _Call, kind: str, rules: dict[str, tuple[frozenset[str], int]]
    ) -> tuple[StoredMedia, str]:
        """The multipart ``media`` of an upload checked as WeChat checks it (type, format,
        size), stored → the media and its format. Called under the lock."""
        app_id, _ = self._authorize(call)
        if kind not in rules:
            raise _RefusedError(40004)
        upload = _form_file(call.content_type, call.body, "media")
        if upload is None:
            raise _RefusedError(41005)
        formats, largest = rules[kind]
        file_format = _format_of(upload.filename, upload.content_type)
        if file_format not in formats:
            raise _RefusedError(40005)
        if not upload.content:
            raise _RefusedError(44001)
        if len(upload.content) > largest:
            raise _RefusedError(40006)
        content_type = upload.content_type or CONTENT_TYPE_OF_FORMAT.get(file_format, "image/bmp")
        media = self._store_media(
            kind, upload.content, content_type, _safe_filename(upload.filename), app_id
        )
        return media, file_format

    def _media_upload(self, call: _Call) -> _Reply:
        """Replies ``thumb_media_id`` rather than ``media_id`` for thumbs, as WeChat does
        (silenceper/wechat#14, grossopa/weixin-mp-java#7), whatever its docs say."""
        kind = call.query.get("type", "")
        with self._lock:
            media, _ = self._store_upload(call, kind, MEDIA_RULES)
        id_field = "thumb_media_id" if kind == "thumb" else "media_id"
        return _json({"type": kind, id_field: media.media_id, "created_at": media.created_at})

    def _media_get(self, call: _Call) -> _Reply:
        """The bytes, except for video: a URL to fetch them from."""
        with self._lock:
            app_id, _ = self._authorize(call)
            media = self._live_media(app_id, call.query.get("media_id"))
        if media.kind in VIDEO_KINDS:
            return _json({"video_url": f"{self.url}{VIDEO_PREFIX}{media.media_id}"})
        return _file_reply(media)

    def _video_file(self, media_id: str) -> _Reply:
        with self._lock:
            media = self._media.get(media_id)
            if media is None or media.kind not in VIDEO_KINDS or media.expired(self._clock()):
                return _status_reply(404)
        return _file_reply(media)

    # --- video, news and mini-program cards (docs/protocol.md §6.2) -------------------------------

    def _check_video(self, app_id: str, payload: dict[str, Any]) -> None:
        """``media_id`` a live video; ``thumb_media_id`` optional (WeChat's older pages leave it
        out and reports say sending one can fail), but when given it must be live too."""
        self._live_media(app_id, payload.get("media_id"))
        if "thumb_media_id" in payload:
            self._live_media(app_id, payload.get("thumb_media_id"))
        for name in ("title", "description"):
            if name in payload and not isinstance(payload[name], str):
                raise _RefusedError(47001)

    def _check_mini_program_page(self, app_id: str, payload: dict[str, Any]) -> None:
        """Every field is required; the cover is an image's media id (temporary or material);
        the mini-program must be linked to the account (when the test says which are)."""
        for name in ("title", "appid", "pagepath", "thumb_media_id"):
            if not isinstance(payload.get(name), str) or not payload[name]:
                raise _RefusedError(47001)
        linked = self.linked_mini_programs.get(app_id)
        if linked is not None and payload["appid"] not in linked:
            raise _RefusedError(40013)
        self._live_media(app_id, payload["thumb_media_id"])

    # --- permanent media (docs/protocol.md §8.1) --------------------------------------------------

    def _add_material(self, call: _Call) -> _Reply:
        """The same type, format and size rules as temporary media, except images (10 MB, bmp
        too); an image's answer also carries a URL. The library's count limits (100 000
        images, 1 000 others) are not modelled."""
        kind = call.query.get("type", "")
        with self._lock:
            media, file_format = self._store_upload(call, kind, MATERIAL_RULES)
            media = self._media[media.media_id] = replace(media, permanent=True)
        answer: dict[str, Any] = {"media_id": media.media_id}
        if kind == "image":
            answer["url"] = f"{MATERIAL_URL}{media.media_id}/0?wx_fmt={file_format}"
        return _json(answer)

    def _material(self, call: _Call) -> StoredMedia:
        """The caller holds the lock: the account's material the body names, else 40007."""
        app_id, _ = self._authorize(call)
        media_id = call.json().get("media_id")
        media = self._media.get(media_id) if isinstance(media_id, str) else None
        if media is None or not media.permanent or media.app_id != app_id:
            raise _RefusedError(40007)
        return media

    def _get_material(self, call: _Call) -> _Reply:
        with self._lock:
            media = self._material(call)
        return _file_reply(media)

    def _del_material(self, call: _Call) -> _Reply:
        with self._lock:
            media = self._material(call)
            del self._media[media.media_id]
        return _json(OK)

    def materials(self, app_id: str) -> list[StoredMedia]:
        """The account's permanent media, oldest first."""
        with self._lock:
            found = [m for m in self._media.values() if m.permanent and m.app_id == app_id]
        return sorted(found, key=lambda m: m.created_at)

    # --- users and servers (docs/protocol.md §9, §10) ---------------------------------------------

    def _user_info(self, call: _Call) -> _Reply:
        """Only what WeChat still returns: no nickname, avatar or language (§9)."""
        openid = call.query.get("openid", "")
        with self._lock:
            app_id, _ = self._authorize(call)
            customer = self._customers.get((app_id, openid))
            if openid.startswith("invalid") or customer is None:
                raise _RefusedError(40003)
            return _json(_user_json(openid, customer))

    def _follower(self, app_id: str, openid: Any) -> _Customer:
        """A follower of the account named in a body; 40003 otherwise (the caller holds the
        lock)."""
        customer = self._customers.get((app_id, openid)) if isinstance(openid, str) else None
        if customer is None or not customer.following:
            raise _RefusedError(40003)
        return customer

    def _update_remark(self, call: _Call) -> _Reply:
        """``remark`` of at most 30 characters (the simulator's reading of "小于30"; past it
        WeChat's code is not documented, 45158-like: 47001 here)."""
        body = call.json()
        with self._lock:
            app_id, _ = self._authorize(call)
            customer = self._follower(app_id, body.get("openid"))
            remark = body.get("remark")
            if not isinstance(remark, str) or len(remark) > REMARK_LIMIT:
                raise _RefusedError(47001)
            customer.remark = remark
        return _json(OK)

    def _tags_of(self, app_id: str) -> dict[int, str]:
        return self._account_tags.setdefault(app_id, {2: "星标组"})

    def _create_tag(self, app_id: str, name: str) -> int:
        tags = self._tags_of(app_id)
        if not name or name in tags.values():
            raise _RefusedError(45157)
        if len(name.encode("utf-8")) > TAG_NAME_LIMIT:
            raise _RefusedError(45158)
        if len(tags) >= TAGS_PER_ACCOUNT:
            raise _RefusedError(45056)
        tag_id = max([99, *tags]) + 1  # the account's own tags are numbered from 100
        tags[tag_id] = name
        return tag_id

    def _tags_get(self, call: _Call) -> _Reply:
        with self._lock:
            app_id, _ = self._authorize(call)
            counts = {
                tag_id: sum(
                    1
                    for (owner, _), c in self._customers.items()
                    if owner == app_id and c.following and tag_id in c.tags
                )
                for tag_id in self._tags_of(app_id)
            }
            tags = [
                {"id": tag_id, "name": name, "count": counts[tag_id]}
                for tag_id, name in sorted(self._tags_of(app_id).items())
            ]
        return _json({"tags": tags})

    def _tags_create(self, call: _Call) -> _Reply:
        body = call.json()
        tag = body.get("tag")
        name = tag.get("name") if isinstance(tag, dict) else None
        if not isinstance(name, str):
            raise _RefusedError(47001)
        with self._lock:
            app_id, _ = self._authorize(call)
            tag_id = self._create_tag(app_id, name)
        return _json({"tag": {"id": tag_id, "name": name}})

    def _batch_tagging(self, call: _Call) -> _Reply:
        return self._batch(call, add=True)

    def _batch_untagging(self, call: _Call) -> _Reply:
        return self._batch(call, add=False)

    def _batch(self, call: _Call, *, add: bool) -> _Reply:
        """``openid_list`` (1 to 50 followers, else 40032) and an existing ``tagid`` (45159);
        a follower past 20 tags is 45059. Nothing changes unless every OpenID is good."""
        body = call.json()
        openids, tag_id = body.get("openid_list"), body.get("tagid")
        if not isinstance(openids, list) or not 1 <= len(openids) <= OPENIDS_PER_BATCH:
            raise _RefusedError(40032)
        with self._lock:
            app_id, _ = self._authorize(call)
            if not isinstance(tag_id, int) or tag_id not in self._tags_of(app_id):
                raise _RefusedError(45159)
            followers = [self._follower(app_id, openid) for openid in openids]
            if add and any(
                tag_id not in c.tags and len(c.tags) >= TAGS_PER_USER for c in followers
            ):
                raise _RefusedError(45059)
            for customer in followers:
                if add and tag_id not in customer.tags:
                    customer.tags.append(tag_id)
                elif not add and tag_id in customer.tags:
                    customer.tags.remove(tag_id)
        return _json(OK)

    def _callback_ips(self, call: _Call) -> _Reply:
        with self._lock:
            self._authorize(call)
            ips = list(self.callback_ips)
        return _json({"ip_list": ips})

    def _sim_customer_wrote(self, call: _Call) -> _Reply:
        body = call.json()
        app_id, openid = body.get("appid"), body.get("openid")
        if not isinstance(app_id, str) or not isinstance(openid, str) or not openid:
            raise _RefusedError(47001)
        self.customer_wrote(app_id, openid)
        return _json(OK)

    def _sim_sent(self, call: _Call) -> _Reply:
        """What customers have been sent so far, to look at by hand during ``make run``."""
        with self._lock:
            sent = [
                {"touser": m.touser, "msgtype": m.msgtype, m.msgtype: m.body.get(m.msgtype)}
                for m in self._sent
            ]
        return _json({"sent": sent})

    # --- template messages (docs/protocol.md §6.3) ------------------------------------------------

    def add_template(
        self, app_id: str, template_id: str, title: str, content: str, example: str = ""
    ) -> None:
        """A template the account chose in WeChat's console: it may be sent, and
        ``get_all_private_template`` lists it."""
        with self._lock:
            self._private_templates.setdefault(app_id, {})[template_id] = PrivateTemplate(
                template_id, title, content, example
            )

    def refuse_templates(self, app_id: str, openid: str, *, at_delivery: bool = False) -> None:
        """The customer refuses the account's messages: sends get 43101, or, ``at_delivery``,
        are accepted and reported ``failed:user block``."""
        with self._lock:
            target = self._template_blocked if at_delivery else self._template_refusers
            target.add((app_id, openid))

    @property
    def templates_sent(self) -> list[SentTemplate]:
        with self._lock:
            return list(self._templates_sent)

    def wait_for_templates(self, count: int, timeout: float = 5.0) -> list[SentTemplate]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._templates_sent) >= count, timeout):
                raise TimeoutError(f"{len(self._templates_sent)} of {count} templates accepted")
            return list(self._templates_sent)

    def _template_send(self, call: _Call) -> _Reply:
        with self._lock:
            app_id, _ = self._authorize(call)
            body = call.json()
            template_id = body.get("template_id")
            templates = self._private_templates.get(app_id, {})
            if not isinstance(template_id, str) or template_id not in templates:
                raise _RefusedError(40037)
            openid = body.get("touser")
            self._recipient(app_id, openid)
            if (app_id, openid) in self._template_refusers:
                raise _RefusedError(43101)
            data = body.get("data")
            if not isinstance(data, dict):
                raise _RefusedError(47003)
            keys = set(TEMPLATE_PLACEHOLDER.findall(templates[template_id].content))
            for key, item in data.items():
                value = item.get("value") if isinstance(item, dict) else None
                if key not in keys or not isinstance(value, str):
                    raise _RefusedError(47003)
                if len(value) > _value_limit(key):
                    raise _RefusedError(47003)
            day = time.strftime("%Y%m%d", time.gmtime(self._clock() + 8 * 3600))
            counted = self._template_counts.get((app_id, day), 0)
            if self.template_quota is not None and counted >= self.template_quota:
                raise _RefusedError(45009)
            self._template_counts[(app_id, day)] = counted + 1
            msg_id = next(self._msg_ids)
            self._templates_sent.append(
                SentTemplate(app_id, str(openid), template_id, data, body, msg_id, self._clock())
            )
            self._changed.notify_all()
            blocked = (app_id, openid) in self._template_blocked
            registered = self._accounts.get(app_id)
        if registered is not None:
            status = "failed:user block" if blocked else "success"
            threading.Thread(
                target=self._report_job,
                args=(registered, str(openid), msg_id, status),
                name="wechat-template-report",
                daemon=True,
            ).start()
        return _json({**OK, "msgid": msg_id})

    def _report_job(
        self, registered: RegisteredAccount, openid: str, msg_id: int, status: str
    ) -> None:
        """Push ``TEMPLATESENDJOBFINISH`` to the account's server URL, as WeChat does once the
        message is delivered (or not)."""
        if self._stopping.wait(self.job_report_delay):
            return
        customer = WeChatCustomer(registered.account, openid, clock=self._clock)
        fields = customer.event("TEMPLATESENDJOBFINISH", MsgID=msg_id, Status=status)
        query, body = customer.push(fields, registered.mode)
        with contextlib.suppress(httpx.HTTPError):
            httpx.post(registered.server_url, params=query, content=body, timeout=5)

    def _private_template_list(self, call: _Call) -> _Reply:
        with self._lock:
            app_id, _ = self._authorize(call)
            listed = [
                {
                    "template_id": t.template_id,
                    "title": t.title,
                    "primary_industry": t.primary_industry,
                    "deputy_industry": t.deputy_industry,
                    "content": t.content,
                    "example": t.example,
                }
                for t in self._private_templates.get(app_id, {}).values()
            ]
        return _json({"template_list": listed})


def _value_limit(key: str) -> int:
    return next(
        (limit for prefix, limit in TYPED_VALUE_LIMITS.items() if key.startswith(prefix)),
        TEMPLATE_VALUE_LIMIT,
    )


# --- HTTP -----------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    simulator: WeChatApiSimulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (a timeout, a test that stopped listening) is not an error."""
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        """Registers the connection for ``stop`` to cut, or cuts it if ``stop`` already ran."""
        super().setup()
        simulator = self.server.simulator
        with simulator._lock:
            simulator._connections.add(self.connection)
        if simulator._stopping.is_set():
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.simulator._lock:
                self.server.simulator._connections.discard(self.connection)

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        if "Transfer-Encoding" in self.headers:
            self.send_error(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length")
            self.close_connection = True
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.send_error(HTTPStatus.BAD_REQUEST, "bad Content-Length")
            self.close_connection = True
            return
        body = self.rfile.read(length) if length <= MAX_BODY else None
        try:
            reply = self.server.simulator._handle(
                self.command, self.path, self.headers.get("Content-Type", ""), body, self.headers
            )
        except Exception:
            traceback.print_exc()
            reply = _status_reply(500)
        if reply is None or body is None:
            self.close_connection = True
        if reply is not None:
            self._write(reply)

    def _write(self, reply: _Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the request line carries ``secret`` on ``/cgi-bin/token``; see ``log``."""


# --- helpers --------------------------------------------------------------------------------------


def _user_json(openid: str, customer: _Customer) -> dict[str, Any]:
    """``user/info`` as WeChat answers it today: no nickname, avatar or language (§9); for one
    who does not follow, ``subscribe`` 0 and nothing else."""
    if not customer.following:
        return {"subscribe": 0, "openid": openid}
    user: dict[str, Any] = {
        "subscribe": 1,
        "openid": openid,
        "subscribe_time": customer.subscribe_time,
        "remark": customer.remark,
        "groupid": 0,
        "tagid_list": list(customer.tags),
        "subscribe_scene": customer.subscribe_scene,
        "qr_scene": customer.qr_scene,
        "qr_scene_str": customer.qr_scene_str,
    }
    if customer.unionid:
        user["unionid"] = customer.unionid
    return user


def _json(data: dict[str, Any], summary: str = "ok") -> _Reply:
    return _Reply(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), summary=summary
    )


def _error(errcode: int, errmsg: str | None = None) -> _Reply:
    """WeChat's error body; its own messages end in a ``rid`` for Tencent support (§11)."""
    if errmsg is None:
        rid = "-".join(secrets.token_hex(4) for _ in range(3))
        errmsg = f"{ERRMSG.get(errcode, 'simulated error')} rid: {rid}"
    return _json({"errcode": errcode, "errmsg": errmsg}, summary=f"errcode {errcode}")


def _fault_reply(fault: _Fault) -> _Reply | None:
    if fault.http_status is not None:
        return _status_reply(fault.http_status)
    if fault.errcode is not None:
        return _error(fault.errcode, fault.errmsg)
    return None


def _status_reply(status: int) -> _Reply:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    page = f"<html><body><h1>{status} {phrase}</h1></body></html>"
    return _Reply(
        page.encode("utf-8"), "text/html; charset=utf-8", status, summary=f"HTTP {status}"
    )


def _file_reply(media: StoredMedia) -> _Reply:
    quotable = media.filename.isascii() and media.filename.isprintable()
    if quotable and not {'"', "\\"} & set(media.filename):
        disposition = f'attachment; filename="{media.filename}"'
    else:
        fallback = f"{media.media_id}.{_format_of(media.filename, media.content_type) or 'bin'}"
        encoded = quote(media.filename, safe="")
        disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
    return _Reply(
        media.content,
        media.content_type,
        headers=(("Content-Disposition", disposition),),
        summary=f"{len(media.content)} bytes",
    )


def _sized(value: Any, least: int, most: int) -> bool:
    return isinstance(value, str) and least <= len(value.encode("utf-8")) <= most


def _check_menu_button(button: Any) -> None:
    """One top-level button of ``menu/create`` and its sub-buttons, as WeChat refuses them."""
    if not isinstance(button, dict) or not _sized(button.get("name"), 1, MENU_TOP_NAME_BYTES):
        raise _RefusedError(40018)
    subs = button.get("sub_button")
    if subs:
        if not isinstance(subs, list) or len(subs) > MENU_SUB_BUTTONS:
            raise _RefusedError(40023)
        for sub in subs:
            if not isinstance(sub, dict) or sub.get("type") not in MENU_TYPES:
                raise _RefusedError(40024)
            if not _sized(sub.get("name"), 1, MENU_SUB_NAME_BYTES):
                raise _RefusedError(40025)
            _check_menu_action(sub, key_code=40026, url_code=40027)
        return
    if button.get("type") not in MENU_TYPES:
        raise _RefusedError(40017)
    _check_menu_action(button, key_code=40019, url_code=40020)


def _check_menu_action(button: dict[str, Any], *, key_code: int, url_code: int) -> None:
    kind = button["type"]
    if kind in MENU_KEY_TYPES and not _sized(button.get("key"), 1, MENU_KEY_BYTES):
        raise _RefusedError(key_code)
    if kind in ("view", "miniprogram") and not _sized(button.get("url"), 1, MENU_URL_BYTES):
        raise _RefusedError(url_code)


def _redacted(query: dict[str, str]) -> dict[str, str]:
    return {name: "<redacted>" if name == "secret" else value for name, value in query.items()}


def _form_file(content_type: str, body: bytes, name: str) -> _Upload | None:
    """The file in multipart/form-data field ``name``, read with the stdlib MIME parser."""
    if not content_type.lower().startswith("multipart/form-data"):
        return None
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    if not message.is_multipart():
        return None
    for part in message.iter_parts():
        if part.get_param("name", header="content-disposition") == name:
            content = part.get_payload(decode=True)
            return _Upload(
                part.get_filename(),
                part.get_content_type() if "Content-Type" in part else None,
                content if isinstance(content, bytes) else b"",
            )
    return None


def _format_of(filename: str | None, content_type: str | None) -> str | None:
    """A file's format by its extension, or by its content type when it has none."""
    suffix = PurePosixPath(filename or "").suffix
    if suffix:
        return suffix[1:].lower()
    return FORMAT_OF_CONTENT_TYPE.get((content_type or "").split(";")[0].strip().lower())


def _safe_filename(filename: str | None) -> str:
    """The last path segment, without quotes or control characters (it goes into a header)."""
    name = PurePosixPath((filename or "").replace("\\", "/")).name
    return "".join(c for c in name if c.isprintable() and c not in '"\\')
