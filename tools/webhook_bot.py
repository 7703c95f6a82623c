"""A webhook bot on loopback: for the tests, and a starting point for a bot of your own.

It checks the signature of every request (HMAC-SHA256 over ``<timestamp>.<body>``, see
shared/bots/webhook.py), asks ``decide(payload)`` for the actions, and signs its answer the
same way. Run the example bot:

  python -m tools.webhook_bot --port 7073 --secret <the workstream's bot secret>

It escalates when the customer mentions an order (after noting the topic as a context
variable), ends the conversation on "bye", and otherwise echoes the customer.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from collections.abc import Callable
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from shared.bots.webhook import signed_headers, verify

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
    ) -> None:
        self.secret = secret
        self.decide = decide
        self.clock = clock
        self.delay = 0.0  # seconds to wait before answering (tests: timeouts)
        self.sign_answers = True  # False: answer unsigned (tests: a forged answer)
        self.received: list[dict[str, Any]] = []
        self.rejected = 0  # requests whose signature did not verify
        self._server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/bot"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        bot = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not verify(bot.secret, self.headers, body, bot.clock()):
                    bot.rejected += 1
                    self._answer(401, b'{"error": "bad signature"}', signed=False)
                    return
                payload = json.loads(body)
                bot.received.append(payload)
                if bot.delay:
                    time.sleep(bot.delay)
                answer = json.dumps({"actions": bot.decide(payload)}).encode()
                self._answer(200, answer, signed=bot.sign_answers)

            def _answer(self, status: int, body: bytes, *, signed: bool) -> None:
                self.send_response(status)
                headers = signed_headers(bot.secret, body, bot.clock()) if signed else {}
                headers.setdefault("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=7073)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    with WebhookBotServer(args.secret, port=args.port) as bot:
        print(f"example webhook bot at {bot.url} (Ctrl-C to stop)", flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
