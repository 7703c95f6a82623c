"""The WeChat customer playground: a page of the API simulator where you chat as a customer.

Pick an account registered with the simulator (``POST /__sim/accounts``, or the page's form),
write as a customer (text, an image, a menu tap, follow, unfollow) and the simulator pushes it
to the account's server URL exactly as WeChat does (signed, and encrypted in the account's
mode: ``customer.py``). Beside what the customer sent, the page's thread shows every
customer-service message the app sent that customer, in time order; the ones WeChat refused
(45015 outside the window, 45047 over the quota, 43004 after an unfollow…) are shown as not
delivered, since a phone would never show them.

A development tool on loopback, never deployed (``tools/`` is in ``.funcignore``). The page is
plain HTML, a script file and CSS, served under a strict Content-Security-Policy. Every route
answers only requests addressed to the simulator by a loopback name (no DNS rebinding), and a
POST must come from the page's own origin or no browser page at all, with a content type a
cross-site form cannot send (no CSRF from a site the developer has open).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import urlsplit

import httpx

from tools.wechat_simulator.customer import SimulatedAccount, WeChatCustomer

if TYPE_CHECKING:
    from tools.wechat_simulator.api_server import RegisteredAccount, WeChatApiSimulator

HERE = Path(__file__).resolve().parent
ACCOUNTS_PATH = "/__sim/accounts"
PAGE_PATH = "/__sim/playground/"
API_PATH = PAGE_PATH + "api/"
MEDIA_PATH = API_PATH + "media/"
PLAYGROUND_PATHS = (ACCOUNTS_PATH, PAGE_PATH.rstrip("/"))
"""What the simulator hands to ``Playground.handle``."""

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "media-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
PAGE_FILES = {
    "index.html": "text/html; charset=utf-8",
    "playground.js": "text/javascript; charset=utf-8",
    "playground.css": "text/css; charset=utf-8",
    "sample.png": "image/png",
}
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif"}
MAX_IMAGE = 10 * 1024 * 1024  # what WeChat takes as an image (docs/protocol.md §8)
MAX_TEXT = 2000
MAX_EVENT_KEY = 128  # a menu key's limit in WeChat's menu API
SILENT_AMR = b"#!AMR\n" + b"\x04" + bytes(12)
"""One silent AMR frame: what a playground voice message carries beside its recognition."""
ANSWER_SHOWN = 300  # characters of the app's answer to a push kept for the thread
UNAVAILABLE = "该公众号暂时无法提供服务，请稍后再试"
"""What WeChat shows the customer when the app does not accept a push (docs/protocol.md §5)."""

OPEN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
ACCOUNT_FIELDS: dict[str, tuple[re.Pattern[str], str]] = {
    "appId": (re.compile(r"wx[0-9a-f]{16}"), 'appId must be "wx" followed by 16 hex digits'),
    "appSecret": (re.compile(r"[0-9a-f]{32}"), "appSecret must be 32 hex digits"),
    "token": (re.compile(r"[A-Za-z0-9]{3,32}"), "token must be 3-32 letters and digits"),
    "originalId": (
        re.compile(r"gh_[A-Za-z0-9]{1,64}"),
        'originalId must be "gh_" followed by 1-64 letters and digits',
    ),
}
AES_KEY = re.compile(r"[A-Za-z0-9]{43}")
MODES = ("plaintext", "compatible", "safe")
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    ("Cache-Control", "no-store"),
)


class PlaygroundRequest(NamedTuple):
    method: str
    path: str
    query: dict[str, str]
    body: bytes
    headers: Message | None


class PlaygroundAnswer(NamedTuple):
    status: int
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = SECURITY_HEADERS


class PlaygroundError(Exception):
    """Answered as ``{"error": {"code", "message"}}`` with ``status``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class CustomerAction:
    """Something a customer did in the playground, and how the app answered the push."""

    seq: int
    app_id: str
    open_id: str
    at: float
    type: str
    """``text``, ``image`` or ``event``."""
    text: str | None = None
    media_id: str | None = None
    event: str | None = None
    event_key: str | None = None
    status: int | None = None
    """The app's HTTP status; None if it could not be reached."""
    answer: str = ""

    @property
    def accepted(self) -> bool:
        return self.status == 200


class Playground:
    """The playground's state (what customers did) and routes, over ``simulator``'s."""

    def __init__(self, simulator: WeChatApiSimulator, *, push_timeout: float = 10.0) -> None:
        self._simulator = simulator
        self._push_timeout = push_timeout
        self._lock = threading.Lock()
        self._actions: list[CustomerAction] = []
        self._seq = itertools.count(1)
        self._routes: dict[tuple[str, str], Callable[[PlaygroundRequest], PlaygroundAnswer]] = {
            ("GET", ACCOUNTS_PATH): self._get_accounts,
            ("POST", ACCOUNTS_PATH): self._post_account,
            ("POST", API_PATH + "send"): self._post_send,
            ("POST", API_PATH + "image"): self._post_image,
            ("POST", API_PATH + "lapse-window"): self._post_lapse_window,
            ("POST", API_PATH + "use-up-quota"): self._post_use_up_quota,
            ("GET", API_PATH + "thread"): self._get_thread,
        }

    # --- what a customer does ---------------------------------------------------------------

    def send_text(self, app_id: str, open_id: str, text: str) -> CustomerAction:
        registered, customer = self._customer(app_id, open_id)
        self._simulator.customer_wrote(app_id, open_id)  # before the push, as WeChat does
        return self._push(registered, customer, customer.text(text), "text", text=text)

    def send_image(
        self,
        app_id: str,
        open_id: str,
        content: bytes,
        content_type: str,
        filename: str | None = None,
    ) -> CustomerAction:
        registered, customer = self._customer(app_id, open_id)
        media_id = self._simulator.add_media(
            content, content_type, "image", filename, app_id=app_id
        )
        self._simulator.customer_wrote(app_id, open_id)
        fields = customer.image(media_id)
        return self._push(registered, customer, fields, "image", media_id=media_id)

    def send_message(
        self, app_id: str, open_id: str, kind: str, shown: str, **fields: Any
    ) -> CustomerAction:
        """A location, link or Mini Program page (``fields`` as ``WeChatCustomer``'s builders
        take them); ``shown`` is what the thread shows of it."""
        registered, customer = self._customer(app_id, open_id)
        builders = {
            "location": customer.location,
            "link": customer.link,
            "miniprogrampage": customer.miniprogrampage,
        }
        self._simulator.customer_wrote(app_id, open_id)
        return self._push(registered, customer, builders[kind](**fields), kind, text=shown)

    def send_voice(self, app_id: str, open_id: str, recognition: str | None) -> CustomerAction:
        """A (silent) voice message with WeChat's speech-to-text ``recognition``."""
        registered, customer = self._customer(app_id, open_id)
        media_id = self._simulator.add_media(
            SILENT_AMR, "audio/amr", "voice", "voice.amr", app_id=app_id
        )
        self._simulator.customer_wrote(app_id, open_id)
        fields = customer.voice(media_id, recognition=recognition)
        shown = {"text": recognition} if recognition else {}
        return self._push(registered, customer, fields, "voice", media_id=media_id, **shown)

    def click(self, app_id: str, open_id: str, key: str) -> CustomerAction:
        """A menu tap (CLICK): only followers see the menu."""
        registered, customer = self._customer(app_id, open_id)
        self._simulator.follow(app_id, open_id)
        fields = customer.click(key)
        return self._push(registered, customer, fields, "event", event="CLICK", event_key=key)

    def follow(self, app_id: str, open_id: str) -> CustomerAction:
        registered, customer = self._customer(app_id, open_id)
        self._simulator.follow(app_id, open_id)
        return self._push(registered, customer, customer.subscribe(), "event", event="subscribe")

    def unfollow(self, app_id: str, open_id: str) -> CustomerAction:
        registered, customer = self._customer(app_id, open_id)
        self._simulator.unfollow(app_id, open_id)
        return self._push(
            registered, customer, customer.unsubscribe(), "event", event="unsubscribe"
        )

    @property
    def actions(self) -> list[CustomerAction]:
        with self._lock:
            return list(self._actions)

    def _customer(self, app_id: str, open_id: str) -> tuple[RegisteredAccount, WeChatCustomer]:
        registered = self._registered(app_id)
        if not OPEN_ID.fullmatch(open_id):
            raise PlaygroundError(400, "bad_open_id", "openId must be 1-64 letters, digits, _ or -")
        return registered, WeChatCustomer(registered.account, open_id, clock=self._simulator.now)

    def _registered(self, app_id: str) -> RegisteredAccount:
        registered = self._simulator.registered_account(app_id)
        if registered is None:
            raise PlaygroundError(
                404,
                "unknown_account",
                f"no account {app_id!r} is registered with the simulator: "
                f"POST {ACCOUNTS_PATH} (or use the page's form) first",
            )
        return registered

    def _push(
        self,
        registered: RegisteredAccount,
        customer: WeChatCustomer,
        fields: dict[str, Any],
        kind: str,
        **shown: str,
    ) -> CustomerAction:
        """POST the push as WeChat does and record it with the app's answer."""
        query, body = customer.push(fields, registered.mode)
        at = self._simulator.now()
        try:
            response = httpx.post(
                registered.server_url, params=query, content=body, timeout=self._push_timeout
            )
            status: int | None = response.status_code
            answer = response.text[:ANSWER_SHOWN]
        except httpx.HTTPError as error:
            status, answer = None, f"could not reach {registered.server_url}: {error}"
        with self._lock:
            action = CustomerAction(
                next(self._seq),
                registered.account.app_id,
                customer.open_id,
                at,
                kind,
                status=status,
                answer=answer,
                **shown,
            )
            self._actions.append(action)
        return action

    # --- the thread -------------------------------------------------------------------------

    def thread(self, app_id: str, open_id: str) -> list[dict[str, Any]]:
        """What the customer sent and what the app sent them, refused sends included, in
        time order (the customer's first within the same instant)."""
        items: list[tuple[float, int, int, dict[str, Any]]] = []
        for action in self.actions:
            if (action.app_id, action.open_id) == (app_id, open_id):
                items.append((action.at, 0, action.seq, _action_view(action)))
        for index, sent in enumerate(self._simulator.sent):
            if (sent.app_id, sent.touser) == (app_id, open_id):
                view = self._message_view(sent.msgtype, sent.body)
                view.update(id=f"s{index}", at=sent.received_at, delivered=True)
                items.append((sent.received_at, 1, index, view))
        for index, refused in enumerate(self._simulator.refused):
            if (refused.app_id, refused.touser) == (app_id, open_id):
                view = self._message_view(refused.msgtype, refused.body)
                view.update(
                    id=f"r{index}",
                    at=refused.received_at,
                    delivered=False,
                    errcode=refused.errcode,
                    errmsg=refused.errmsg,
                )
                items.append((refused.received_at, 1, index, view))
        items.sort(key=lambda item: item[:3])
        return [view for *_, view in items]

    def _message_view(self, msgtype: str, body: dict[str, Any]) -> dict[str, Any]:
        """A customer-service message as a phone shows it."""
        payload = body.get(msgtype)
        payload = payload if isinstance(payload, dict) else {}
        view: dict[str, Any] = {"from": "app", "type": msgtype}
        if msgtype == "text":
            view["text"] = str(payload.get("content", ""))
        elif msgtype in ("image", "voice", "video"):
            media_id = payload.get("media_id")
            if isinstance(media_id, str) and self._simulator.media(media_id) is not None:
                view["mediaUrl"] = MEDIA_PATH + media_id
            if msgtype == "video":
                view["text"] = str(payload.get("title", ""))
        elif msgtype == "news":
            articles = payload.get("articles")
            article = articles[0] if isinstance(articles, list) and articles else {}
            article = article if isinstance(article, dict) else {}
            view["text"] = "\n".join(
                str(article[name]) for name in ("title", "description", "url") if article.get(name)
            )
        elif msgtype == "msgmenu":
            choices = payload.get("list")
            lines = [str(payload.get("head_content", ""))]
            if isinstance(choices, list):
                lines += [f"· {c.get('content', '')}" for c in choices if isinstance(c, dict)]
            lines.append(str(payload.get("tail_content", "")))
            view["text"] = "\n".join(line for line in lines if line)
        else:
            view["text"] = f"({msgtype} message)"
        return view

    # --- HTTP -------------------------------------------------------------------------------

    def handle(self, request: PlaygroundRequest) -> PlaygroundAnswer:
        try:
            self._check_addressed_to_us(request)
            if request.path == PLAYGROUND_PATHS[1]:
                return PlaygroundAnswer(
                    308, b"", "text/plain", (("Location", PAGE_PATH), *SECURITY_HEADERS)
                )
            if request.method == "GET" and request.path.startswith(MEDIA_PATH):
                return self._media(request.path[len(MEDIA_PATH) :])
            route = self._routes.get((request.method, request.path))
            if route is not None:
                if request.method == "POST":
                    self._check_same_origin(request)
                return route(request)
            if any(path == request.path for _, path in self._routes):
                raise PlaygroundError(405, "method_not_allowed", f"{request.method} not allowed")
            if request.method == "GET" and request.path.startswith(PAGE_PATH):
                return _page_file(request.path[len(PAGE_PATH) :])
            raise PlaygroundError(404, "not_found", f"no such route: {request.path}")
        except PlaygroundError as error:
            return _json(error.status, {"error": {"code": error.code, "message": error.message}})

    def _check_addressed_to_us(self, request: PlaygroundRequest) -> None:
        """The Host must be the simulator by a loopback name: a page of another site that
        resolves its own name to 127.0.0.1 (DNS rebinding) gets nothing."""
        host = _header(request, "Host")
        if host not in self._own_hosts():
            raise PlaygroundError(
                403,
                "wrong_host",
                f"the playground answers only at {' or '.join(self._own_hosts())}",
            )

    def _check_same_origin(self, request: PlaygroundRequest) -> None:
        origin = _header(request, "Origin")
        if origin is not None and origin not in {f"http://{h}" for h in self._own_hosts()}:
            raise PlaygroundError(
                403, "cross_origin", "POST from another site's page is refused: use the page"
            )

    def _own_hosts(self) -> tuple[str, ...]:
        port = self._simulator.port
        return (f"127.0.0.1:{port}", f"localhost:{port}")

    def _get_accounts(self, request: PlaygroundRequest) -> PlaygroundAnswer:
        return _json(
            200, {"accounts": [_account_view(a) for a in self._simulator.registered_accounts]}
        )

    def _post_account(self, request: PlaygroundRequest) -> PlaygroundAnswer:
        body = _json_body(request)
        unknown = sorted(
            set(body) - {"name", "encodingAesKey", "messageMode", "serverUrl", *ACCOUNT_FIELDS}
        )
        if unknown:
            raise PlaygroundError(400, "unknown_field", f"unknown fields: {', '.join(unknown)}")
        values = {
            name: _string(body, name, message) for name, (_, message) in ACCOUNT_FIELDS.items()
        }
        for name, (pattern, message) in ACCOUNT_FIELDS.items():
            if not pattern.fullmatch(values[name]):
                raise PlaygroundError(400, "bad_field", message)
        mode = body.get("messageMode", "safe")
        if mode not in MODES:
            raise PlaygroundError(
                400, "bad_field", f"messageMode must be one of {', '.join(MODES)}"
            )
        key = body.get("encodingAesKey")
        has_key = isinstance(key, str) and AES_KEY.fullmatch(key) is not None
        if not has_key and (mode != "plaintext" or key is not None):
            raise PlaygroundError(400, "bad_field", "encodingAesKey must be 43 letters and digits")
        name = body.get("name", "")
        if not isinstance(name, str) or len(name) > 100:
            raise PlaygroundError(400, "bad_field", "name must be text of up to 100 characters")
        server_url = _string(body, "serverUrl", "serverUrl must be the account's http(s) URL")
        url = urlsplit(server_url)
        if url.scheme not in ("http", "https") or not url.hostname or len(server_url) > 2000:
            raise PlaygroundError(
                400,
                "bad_field",
                "serverUrl must be the account's server URL, http(s)://…, such as the "
                "callback serverUrl the app's admin API shows",
            )
        account = SimulatedAccount(
            token=values["token"],
            app_id=values["appId"],
            original_id=values["originalId"],
            encoding_aes_key=key,
            app_secret=values["appSecret"],
        )
        new = self._simulator.register_account(account, server_url=server_url, mode=mode, name=name)
        registered = self._registered(account.app_id)
        return _json(201 if new else 200, _account_view(registered))

    def _post_send(self, request: PlaygroundRequest) -> PlaygroundAnswer:
        body = _json_body(request)
        app_id, open_id = _who(body)
        kind = body.get("type")
        if kind == "text":
            text = body.get("text")
            if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
                raise PlaygroundError(400, "bad_field", f"text must be 1-{MAX_TEXT} characters")
            action = self.send_text(app_id, open_id, text)
        elif kind == "click":
            key = body.get("eventKey")
            if not isinstance(key, str) or not 1 <= len(key) <= MAX_EVENT_KEY:
                raise PlaygroundError(
                    400,
                    "bad_field",
                    f"eventKey (the menu key) must be 1-{MAX_EVENT_KEY} characters",
                )
            action = self.click(app_id, open_id, key)
        elif kind == "subscribe":
            action = self.follow(app_id, open_id)
        elif kind == "unsubscribe":
            action = self.unfollow(app_id, open_id)
        elif kind == "voice":
            recognition = body.get("recognition")
            if recognition is not None and not (
                isinstance(recognition, str) and len(recognition) <= MAX_TEXT
            ):
                raise PlaygroundError(
                    400, "bad_field", f"recognition: at most {MAX_TEXT} characters"
                )
            action = self.send_voice(app_id, open_id, recognition)
        elif kind == "location":
            x, y = body.get("latitude"), body.get("longitude")
            if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in (x, y)):
                raise PlaygroundError(400, "bad_field", "latitude and longitude must be numbers")
            label = _optional(body, "label")
            action = self.send_message(app_id, open_id, "location", label, x=x, y=y, label=label)
        elif kind == "link":
            url = _string(body, "url", "url must be the link's address")
            title, description = _optional(body, "title"), _optional(body, "description")
            action = self.send_message(
                app_id, open_id, "link", title or url, url=url, title=title, description=description
            )
        elif kind == "miniprogrampage":
            title = _optional(body, "title")
            page_path = _optional(body, "pagePath")
            action = self.send_message(
                app_id, open_id, "miniprogrampage", title, title=title, page_path=page_path
            )
        else:
            raise PlaygroundError(
                400,
                "bad_field",
                "type must be text, click, subscribe, unsubscribe, voice, location, link or "
                "miniprogrampage",
            )
        return _json(200, {"item": _action_view(action)})

    def _post_image(self, request: PlaygroundRequest) -> PlaygroundAnswer:
        """The image is the raw body, typed ``image/png``, ``image/jpeg`` or ``image/gif``."""
        app_id, open_id = _who(request.query)
        content_type = (_header(request, "Content-Type") or "").split(";")[0].strip().lower()
        if content_type not in IMAGE_TYPES:
            raise PlaygroundError(
                415,
                "unsupported_media_type",
                "send the image as image/png, image/jpeg or image/gif",
            )
        if not request.body:
            raise PlaygroundError(400, "empty_image", "the image is empty")
        if len(request.body) > MAX_IMAGE:
            raise PlaygroundError(413, "too_large", "an image may be at most 10 MB")
        name = request.query.get("filename") or f"image.{IMAGE_TYPES[content_type]}"
        action = self.send_image(app_id, open_id, request.body, content_type, name[:100])
        return _json(200, {"item": _action_view(action)})

    def _post_lapse_window(self, request: PlaygroundRequest) -> PlaygroundAnswer:
        app_id, open_id = _who(_json_body(request))
        self._customer(app_id, open_id)
        self._simulator.lapse_window(app_id, open_id)
        return _json(200, {"customer": self._customer_view(app_id, open_id)})

    def _post_use_up_quota(self, request: PlaygroundRequest) -> PlaygroundAnswer:
        app_id, open_id = _who(_json_body(request))
        self._customer(app_id, open_id)
        self._simulator.use_up_quota(app_id, open_id)
        return _json(200, {"customer": self._customer_view(app_id, open_id)})

    def _get_thread(self, request: PlaygroundRequest) -> PlaygroundAnswer:
        app_id, open_id = _who(request.query)
        self._customer(app_id, open_id)
        return _json(
            200,
            {
                "customer": self._customer_view(app_id, open_id),
                "items": self.thread(app_id, open_id),
            },
        )

    def _customer_view(self, app_id: str, open_id: str) -> dict[str, Any] | None:
        state = self._simulator.customer_state(app_id, open_id)
        if state is None:
            return None
        return {
            "following": state.following,
            "windowExpiresAt": state.window_expires_at,
            "repliesLeft": state.replies_left,
            "typing": state.typing,
        }

    def _media(self, media_id: str) -> PlaygroundAnswer:
        """An image shows inline; anything else is a download. Either is sandboxed: the app
        uploaded it, so it is untrusted."""
        media = self._simulator.media(media_id)
        if media is None:
            raise PlaygroundError(404, "not_found", "no such media")
        content_type = media.content_type.split(";")[0].strip().lower()
        headers = [*SECURITY_HEADERS, ("Content-Security-Policy", "default-src 'none'; sandbox")]
        if content_type not in IMAGE_TYPES and content_type not in ("audio/mpeg", "video/mp4"):
            content_type = "application/octet-stream"
            headers.append(("Content-Disposition", "attachment"))
        return PlaygroundAnswer(200, media.content, content_type, tuple(headers))


# --- helpers --------------------------------------------------------------------------------


def _header(request: PlaygroundRequest, name: str) -> str | None:
    return None if request.headers is None else request.headers.get(name)


def _json(status: int, data: dict[str, Any]) -> PlaygroundAnswer:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return PlaygroundAnswer(status, body, "application/json; charset=utf-8")


def _json_body(request: PlaygroundRequest) -> dict[str, Any]:
    """A JSON object, sent as application/json: a type no cross-site form can send."""
    content_type = (_header(request, "Content-Type") or "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise PlaygroundError(415, "unsupported_media_type", "send JSON, as application/json")
    try:
        body = json.loads(request.body)
    except ValueError:
        raise PlaygroundError(400, "bad_json", "the body is not JSON") from None
    if not isinstance(body, dict):
        raise PlaygroundError(400, "bad_json", "the body must be a JSON object")
    return body


def _string(body: dict[str, Any], name: str, message: str) -> str:
    value = body.get(name)
    if not isinstance(value, str):
        raise PlaygroundError(400, "bad_field", message)
    return value


def _optional(body: dict[str, Any], name: str) -> str:
    value = body.get(name, "")
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise PlaygroundError(400, "bad_field", f"{name} must be text of at most {MAX_TEXT}")
    return value


def _who(fields: dict[str, Any]) -> tuple[str, str]:
    """The account's AppID and the customer's OpenID of a request."""
    app_id = fields.get("appId")
    open_id = fields.get("openId")
    if not isinstance(app_id, str) or not app_id:
        raise PlaygroundError(400, "bad_field", "appId (the account's AppID) is required")
    if not isinstance(open_id, str) or not open_id:
        raise PlaygroundError(400, "bad_field", "openId (the customer's OpenID) is required")
    return app_id, open_id


def _account_view(registered: RegisteredAccount) -> dict[str, Any]:
    """Without its secrets: the page only needs to name it."""
    return {
        "name": registered.name,
        "appId": registered.account.app_id,
        "originalId": registered.account.original_id,
        "messageMode": registered.mode,
        "serverUrl": registered.server_url,
    }


def _action_view(action: CustomerAction) -> dict[str, Any]:
    view: dict[str, Any] = {
        "id": f"c{action.seq}",
        "from": "customer",
        "at": action.at,
        "type": action.type,
        "appAnswer": {"status": action.status, "body": action.answer},
    }
    if action.text is not None:
        view["text"] = action.text
    if action.media_id is not None:
        view["mediaUrl"] = MEDIA_PATH + action.media_id
    if action.event is not None:
        view["event"] = action.event
    if action.event_key is not None:
        view["eventKey"] = action.event_key
    if not action.accepted:
        view["wechatShows"] = UNAVAILABLE
    return view


def _page_file(name: str) -> PlaygroundAnswer:
    name = name or "index.html"
    content_type = PAGE_FILES.get(name)
    if content_type is None:
        raise PlaygroundError(404, "not_found", f"no such file: {name}")
    headers = (("Content-Security-Policy", CONTENT_SECURITY_POLICY), *SECURITY_HEADERS)
    return PlaygroundAnswer(200, (HERE / name).read_bytes(), content_type, headers)
