"""A webhook bot on loopback: for the tests, and a starting point for a bot of your own.

It checks the signature of every request (HMAC-SHA256 over
``<timestamp>.<requestId>.<body>``, see shared/bots/webhook.py), asks ``decide(payload)`` for
the actions, and signs its answer the same way with the request's id. Run the example bot
from the repository folder, after `make setup` (the app must run with
BOT_WEBHOOK_ALLOW_LOOPBACK=true to call a bot on this machine, at http://127.0.0.1:7073/bot):

  .venv/bin/python -m tools.webhook_bot --port 7073 --secret <the workstream's bot secret>

It escalates when the customer mentions an order (after noting the topic as a context
variable), ends the conversation on "bye", and otherwise echoes the customer.
"""

from __future__ import annotations

import argparse
import json
import ssl
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from shared.bots.webhook import REQUEST_ID_HEADER, signed_headers, verify

Decide = Callable[[dict[str, Any]], list[dict[str, Any]]]


def example_decide(payload: dict[str, Any]) -> list[dict[str, Any]]:
    text = (payload.get("message", {}).get("text") or "").strip()
    if "order" in text.lower() or "订单" in text:
        return [
            {"type": "setContext", "variables": {"topic": "orders"}},
            {"type": "escalate", "summary": f"Asks about an order: {text[:200]}"},
        ]
    if text.lower() in ("bye", "再见"):
        return [{"type": "reply", "text": "Goodbye!"}, {"type": "end"}]
    return [{"type": "reply", "text": f"You said: {text}"}]


class WebhookBotServer:
    def __init__(
        self,
        secret: str,
        decide: Decide = example_decide,
        *,
        port: int = 0,
        clock: Callable[[], float] = time.time,
        tls: ssl.SSLContext | None = None,
        host_name: str = "127.0.0.1",
    ) -> None:
        """``tls``: serve https with this server context; ``host_name``: the host in ``url``
        (a name its certificate holds, when tests resolve it to 127.0.0.1 themselves)."""
        self.secret = secret
        self.decide = decide
        self.clock = clock
        self.delay = 0.0  # seconds to wait before answering (tests: timeouts)
        self.sign_answers = True  # False: answer unsigned (tests: a forged answer)
        self.replay_answers = False  # True: resend the previous signed answer (tests: replay)
        self.oversized = 0  # > 0: stream an answer of this many bytes, chunked (tests: the cap)
        self.oversized_written = 0
        self.received: list[dict[str, Any]] = []
        self.request_ids: list[str] = []
        self.hosts: list[str] = []  # the Host header of each request it served
        self.rejected = 0  # requests whose signature did not verify
        self._last_answer: tuple[bytes, dict[str, str]] | None = None
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._scheme = "https" if tls else "http"
        self._host_name = host_name
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"{self._scheme}://{self._host_name}:{self.port}/bot"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        bot = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                request_id = self.headers.get(REQUEST_ID_HEADER) or ""
                if not verify(bot.secret, self.headers, body, bot.clock(), request_id):
                    bot.rejected += 1
                    self._answer(401, b'{"error": "bad signature"}', {})
                    return
                payload = json.loads(body)
                bot.received.append(payload)
                bot.request_ids.append(request_id)
                bot.hosts.append(self.headers.get("Host") or "")
                if bot.delay:
                    time.sleep(bot.delay)
                if bot.replay_answers and bot._last_answer:
                    self._answer(200, *bot._last_answer)
                    return
                if bot.oversized:
                    self._stream(bot.oversized)
                    return
                answer = json.dumps({"actions": bot.decide(payload)}).encode()
                headers = (
                    signed_headers(bot.secret, request_id, answer, bot.clock())
                    if bot.sign_answers
                    else {}
                )
                bot._last_answer = (answer, headers)
                self._answer(200, answer, headers)

            def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for name, value in {"Content-Type": "application/json", **headers}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _stream(self, size: int) -> None:
                """``size`` bytes of a JSON string, chunked, without a Content-Length."""
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                chunk = b"x" * 16384
                with suppress(OSError):
                    while bot.oversized_written < size:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                        bot.oversized_written += len(chunk)
                    self.wfile.write(b"0\r\n\r\n")
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def start(self) -> WebhookBotServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> WebhookBotServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(
        prog=".venv/bin/python -m tools.webhook_bot",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--port", type=int, default=7073, help="on 127.0.0.1 (default 7073)")
    parser.add_argument("--secret", required=True, help="the workstream's bot.secret")
    args = parser.parse_args()
    with WebhookBotServer(args.secret, port=args.port) as bot:
        print(f"example webhook bot at {bot.url} (Ctrl-C to stop)", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
