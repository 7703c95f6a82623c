"""A stand-in for WeChat's server API (``https://api.weixin.qq.com``) on loopback.

Every WeChat call our app makes goes to ``WECHAT_API_BASE_URL``; pointed here, tests, the e2e
suite and benchmarks get WeChat's answers without a network or a real account: access tokens
(docs/protocol.md §7), customer-service messages with the 48-hour window and quota, and the typing
indicator (§6.2), temporary media (§8), user info (§9) and callback IPs (§10). Errors come back
as WeChat sends them (§11): HTTP 200 with ``{"errcode", "errmsg"}``.

The simulator keeps what it accepted (``sent``), what it refused (``refused``) and every
request (``requests``), reads time from an injectable ``clock`` so tests can move it, and lets
tests inject faults (``inject``). Paths under ``/__sim/`` are its own: the video downloads that
``media/get`` points to, ``POST /__sim/customer_wrote`` for a customer simulator running in
another process, and the customer playground (``/__sim/accounts``, ``/__sim/playground/``).
"""

from __future__ import annotations

import contextlib
import json
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

from tools.wechat_simulator.customer import SimulatedAccount
from tools.wechat_simulator.playground import PLAYGROUND_PATHS, Playground, PlaygroundRequest

TOKEN_OVERLAP = 300
REPLY_WINDOW = 48 * 3600
TYPING_WINDOW = 30
TEXT_LIMIT = 2048
MEDIA_LIFETIME = 3 * 24 * 3600
MAX_BODY = 32 * 1024 * 1024
MB = 1024 * 1024

CLASSIC_ISSUER = "/cgi-bin/token"
SEND_PATH = "/cgi-bin/message/custom/send"
STABLE_ISSUER = "/cgi-bin/stable_token"
VIDEO_PREFIX = "/__sim/video/"
VIDEO_KINDS = frozenset({"video", "shortvideo"})
CUSTOMER_MEDIA_KINDS = frozenset({"image", "voice", "video", "shortvideo"})
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
    47001: "data format error",
}


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
        self._requests: list[ApiRequest] = []
        self._accounts: dict[str, RegisteredAccount] = {}
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
            "/cgi-bin/getcallbackip": ("GET", self._callback_ips),
            "/__sim/customer_wrote": ("POST", self._sim_customer_wrote),
            "/__sim/sent": ("GET", self._sim_sent),
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
            return CustomerState(customer.following, expires_at, left)

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
                self._check_send(app_id, message).replies += 1
            except _RefusedError as error:
                self._record_refused(app_id, message, error.errcode, None)
                raise
            msgtype = message["msgtype"]
            now = self._clock()
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
        items = payload.get("list")
        if not isinstance(items, list) or not items:
            raise _RefusedError(47001)
        if not all(isinstance(item, dict) and "id" in item and "content" in item for item in items):
            raise _RefusedError(47001)

    def _typing(self, call: _Call) -> _Reply:
        """Needs a customer message in the last 30 s (45080). Not modelled: 45081 for Typing
        while the indicator is still showing."""
        with self._lock:
            app_id, _ = self._authorize(call)
            body = call.json()
            customer = self._recipient(app_id, body.get("touser"))
            if body.get("command") not in ("Typing", "CancelTyping"):
                raise _RefusedError(45072)
            if customer is None or customer.last_wrote is None:
                raise _RefusedError(45080)
            if self._clock() - customer.last_wrote > TYPING_WINDOW:
                raise _RefusedError(45080)
        return _json(OK)

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

    def _media_upload(self, call: _Call) -> _Reply:
        """Replies ``thumb_media_id`` rather than ``media_id`` for thumbs, as WeChat does
        (silenceper/wechat#14, grossopa/weixin-mp-java#7), whatever its docs say."""
        kind = call.query.get("type", "")
        with self._lock:
            app_id, _ = self._authorize(call)
        if kind not in MEDIA_RULES:
            raise _RefusedError(40004)
        upload = _form_file(call.content_type, call.body, "media")
        if upload is None:
            raise _RefusedError(41005)
        formats, largest = MEDIA_RULES[kind]
        file_format = _format_of(upload.filename, upload.content_type)
        if file_format not in formats:
            raise _RefusedError(40005)
        if not upload.content:
            raise _RefusedError(44001)
        if len(upload.content) > largest:
            raise _RefusedError(40006)
        content_type = upload.content_type or CONTENT_TYPE_OF_FORMAT[file_format]
        with self._lock:
            media = self._store_media(
                kind, upload.content, content_type, _safe_filename(upload.filename), app_id
            )
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
            app_id, _ = self._authorize(call)
        if kind not in MATERIAL_RULES:
            raise _RefusedError(40004)
        upload = _form_file(call.content_type, call.body, "media")
        if upload is None:
            raise _RefusedError(41005)
        formats, largest = MATERIAL_RULES[kind]
        file_format = _format_of(upload.filename, upload.content_type)
        if file_format not in formats:
            raise _RefusedError(40005)
        if not upload.content:
            raise _RefusedError(44001)
        if len(upload.content) > largest:
            raise _RefusedError(40006)
        content_type = upload.content_type or CONTENT_TYPE_OF_FORMAT.get(file_format, "image/bmp")
        with self._lock:
            media = self._store_media(
                kind, upload.content, content_type, _safe_filename(upload.filename), app_id
            )
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
            if not customer.following:
                return _json({"subscribe": 0, "openid": openid})
            return _json(
                {
                    "subscribe": 1,
                    "openid": openid,
                    "subscribe_time": customer.subscribe_time,
                    "remark": "",
                    "groupid": 0,
                    "tagid_list": list(customer.tags),
                    "subscribe_scene": "ADD_SCENE_QR_CODE",
                    "qr_scene": 0,
                    "qr_scene_str": "",
                }
            )

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
