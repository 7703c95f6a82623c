"""The HTTP front end: requests to functions by route, and the host's admin endpoint.

What the host does and devhost copies: routes under the route prefix; 404 (never 405 or 501)
when no route allows the method, whatever the method's name; 413 for a body over the
``FUNCTIONS_REQUEST_BODY_SIZE_LIMIT`` setting (bytes, default 100 MiB), judged on Content-Length
before reading and while reading a chunked body; the query string, headers and route values
handed to ``func.HttpRequest``, with the TCP peer's address appended to ``X-Forwarded-For``
(``existing, peer``, or just ``peer``) as Azure's front end appends the caller's; the function's
``func.HttpResponse`` written back with the worker's Content-Type rule; and 500 with an empty
body when the function fails (the traceback goes to the log only). Connections are accepted in
bursts (a listen backlog of 1024, one thread each), as a busy front end would take them.
``POST /admin/functions/{name}`` (no prefix) runs a non-HTTP function.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import azure.functions as func

from devhost.app_index import HttpFunction
from devhost.errors import StartupError
from devhost.invoker import HttpOutput, Invoker
from devhost.routes import RouteTable

log = logging.getLogger("devhost")

BODY_SIZE_LIMIT_SETTING = "FUNCTIONS_REQUEST_BODY_SIZE_LIMIT"
DEFAULT_BODY_SIZE_LIMIT = 104_857_600  # the host's default: 100 MiB
ADMIN_PREFIX = "/admin/functions/"
FORWARDED_FOR = "x-forwarded-for"
# Admin call: (function name, input) -> HTTP status; the host's answer to the caller.
AdminInvoke = Callable[[str, str], int]


class RequestBodyTooLargeError(Exception):
    pass


def request_body_limit(settings: Mapping[str, str]) -> int:
    """The largest request body the host accepts, in bytes, from the app settings."""
    text = settings.get(BODY_SIZE_LIMIT_SETTING, "").strip()
    if not text:
        return DEFAULT_BODY_SIZE_LIMIT
    if not (text.isascii() and text.isdigit()) or int(text) == 0:
        raise StartupError(
            f"app setting {BODY_SIZE_LIMIT_SETTING} must be a positive whole number of bytes "
            f"(default {DEFAULT_BODY_SIZE_LIMIT}), not {text!r}"
        )
    return int(text)


def forwarded_for(headers: dict[str, str], peer: str) -> str:
    """``X-Forwarded-For`` with ``peer`` appended, as Azure's front end hands it to the app."""
    existing = headers.get(FORWARDED_FOR, "").strip()
    return f"{existing}, {peer}" if existing else peer


def to_http_response(returned: Any, outputs: dict[str, HttpOutput]) -> func.HttpResponse:
    """The function's HTTP answer, from its return value or its ``func.Out`` parameter.

    The worker accepts an ``HttpResponse`` or a ``str``; anything else (``None`` included)
    fails the invocation, so it does here.
    """
    value = returned if not outputs else next(iter(outputs.values())).get()
    if isinstance(value, func.HttpResponse):
        return value
    if isinstance(value, str):
        return func.HttpResponse(value)
    raise TypeError(
        f"unable to encode outgoing TypedData: {type(value).__name__} is not an HTTP response "
        f"(return a func.HttpResponse or a str)"
    )


def response_headers(response: func.HttpResponse) -> list[tuple[str, str]]:
    """The response's headers with Content-Type completed as the worker completes it."""
    headers = [
        (name, value)
        for name, value in response.headers.items()
        if name.lower() not in ("content-length", "transfer-encoding", "connection")
    ]
    if not any(name.lower() == "content-type" for name, _ in headers):
        content_type = response.mimetype
        if content_type.startswith("text/"):
            content_type = f"{content_type}; charset={response.charset}"
        headers.append(("Content-Type", content_type))
    return headers


def joined(pairs: list[tuple[str, str]], *, lower_names: bool = False) -> dict[str, str]:
    """Repeated names joined with commas, as the host flattens query strings and headers."""
    values: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower() if lower_names else name
        values[key] = f"{values[key]},{value}" if key in values else value
    return values


class FunctionsHttpServer(ThreadingHTTPServer):
    """One thread per connection; knows the routes, the invoker and the admin entry point."""

    daemon_threads = True
    # socketserver's default of 5 drops connections from a burst (many customers writing at
    # once) before they are accepted; the kernel caps this at net.core.somaxconn.
    request_queue_size = 1024

    def __init__(
        self,
        address: tuple[str, int],
        routes: RouteTable[HttpFunction],
        invoker: Invoker,
        admin_invoke: AdminInvoke,
        max_body_bytes: int = DEFAULT_BODY_SIZE_LIMIT,
    ) -> None:
        super().__init__(address, FunctionsRequestHandler)
        self.max_body_bytes = max_body_bytes
        self.routes = routes
        self.invoker = invoker
        self.admin_invoke = admin_invoke
        self.stopping = False
        self._active_requests = 0
        self._idle = threading.Condition()

    def track(self, delta: int) -> None:
        with self._idle:
            self._active_requests += delta
            self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no request is being answered; False if some still are after ``timeout``."""
        with self._idle:
            return self._idle.wait_for(lambda: self._active_requests == 0, timeout=timeout)


class FunctionsRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "devhost"
    # Headers and body go out in separate writes; with Nagle on, a keep-alive client's
    # delayed ACK would hold every response back by ~40 ms.
    disable_nagle_algorithm = True
    server: FunctionsHttpServer

    def __getattr__(self, name: str) -> Any:
        # BaseHTTPRequestHandler looks up ``do_<METHOD>`` and answers 501 when there is none;
        # the host routes every method name, so each one is answered here.
        if name.startswith("do_"):
            return self.handle_request
        raise AttributeError(name)

    def handle_request(self) -> None:
        """Every request comes here, whatever its method."""
        self.server.track(+1)
        try:
            self._answer()
        finally:
            self.server.track(-1)

    def _answer(self) -> None:
        if self.server.stopping:
            self.close_connection = True
            self._send(HTTPStatus.SERVICE_UNAVAILABLE)
            return
        try:
            body = self._read_body()
        except RequestBodyTooLargeError:
            self.close_connection = True
            self._send(HTTPStatus.REQUEST_ENTITY_TOO_LARGE)
            return
        except ValueError:
            self.close_connection = True
            self._send(HTTPStatus.BAD_REQUEST)
            return
        parts = urlsplit(self.path)
        if parts.path.lower().startswith(ADMIN_PREFIX):
            self._admin(parts.path[len(ADMIN_PREFIX) :], body)
            return
        match = self.server.routes.match(self.command, parts.path)
        if match is None:
            self._send(HTTPStatus.NOT_FOUND)
            return
        host = self.headers.get("Host") or "{}:{}".format(*self.server.server_address[:2])
        headers = joined(list(self.headers.items()), lower_names=True)
        headers[FORWARDED_FOR] = forwarded_for(headers, self.client_address[0])
        request = func.HttpRequest(
            self.command,
            f"http://{host}{self.path}",
            headers=headers,
            params=joined(parse_qsl(parts.query, keep_blank_values=True)),
            route_params=match.route_params,
            body=body,
        )
        result = self.server.invoker.invoke(match.target, request, to_http_response)
        if result.value is None:
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR)
            return
        response = result.value
        self._send(response.status_code, response_headers(response), response.get_body())

    def _admin(self, name: str, body: bytes) -> None:
        if self.command != "POST" or not name or "/" in name.strip("/"):
            self._send(HTTPStatus.NOT_FOUND)
            return
        try:
            document = json.loads(body) if body.strip() else {}
            payload = document.get("input", "") if isinstance(document, dict) else None
        except ValueError:
            payload = None
        if not isinstance(payload, str):
            self._send(
                HTTPStatus.BAD_REQUEST,
                [("Content-Type", "text/plain; charset=utf-8")],
                b'expected a JSON body like {"input": "..."}',
            )
            return
        self._send(self.server.admin_invoke(name.strip("/"), payload))

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0:
            raise ValueError("negative Content-Length")
        if length > self.server.max_body_bytes:
            raise RequestBodyTooLargeError
        return self.rfile.read(length)

    def _read_chunked(self) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass  # trailers
                return b"".join(chunks)
            total += size
            if total > self.server.max_body_bytes:
                raise RequestBodyTooLargeError
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    def _send(
        self, status: int, headers: list[tuple[str, str]] | None = None, body: bytes = b""
    ) -> None:
        self.send_response(status)
        for name, value in headers or []:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD" and body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)
