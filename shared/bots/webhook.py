"""Webhook bots: we POST the conversation and the new message, signed; the bot answers with
actions, signed too.

Each request carries a fresh random ``X-WCC-Request-Id`` (32 hex digits) and
``X-WCC-Timestamp: <unix seconds>``. Both sides sign HMAC-SHA256 over
``<timestamp>.<requestId>.<body>`` with the workstream's bot secret, sent as
``X-WCC-Signature: sha256=<hex>``; the bot signs its answer with the request's id, so a signed
answer cannot be replayed for another request. Either side refuses a timestamp more than 5
minutes off. Anything but a signed, well-formed 200 answer in time is a failure, and people
take over. The bot's host must be public (see targets.py); answers over ``MAX_ANSWER_BYTES``
are refused as soon as that many bytes have arrived.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import ssl
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from pydantic import ValidationError

from shared.bots.targets import BotTargets, RefusedTargetError
from shared.model.bot_actions import Action, BotAnswer, BotFailureError
from shared.model.bots import WebhookBot

SIGNATURE_HEADER = "X-WCC-Signature"
TIMESTAMP_HEADER = "X-WCC-Timestamp"
REQUEST_ID_HEADER = "X-WCC-Request-Id"
TOLERANCE_SECONDS = 300
MAX_ANSWER_BYTES = 64 * 1024
_REQUEST_ID = re.compile(r"[0-9a-f]{32}")


def new_request_id() -> str:
    return secrets.token_hex(16)


def signature(secret: str, timestamp: str, request_id: str, body: bytes) -> str:
    signed = f"{timestamp}.{request_id}.".encode("ascii") + body
    return "sha256=" + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, request_id: str, body: bytes, now: float) -> dict[str, str]:
    timestamp = str(int(now))
    return {
        TIMESTAMP_HEADER: timestamp,
        REQUEST_ID_HEADER: request_id,
        SIGNATURE_HEADER: signature(secret, timestamp, request_id, body),
        "Content-Type": "application/json; charset=utf-8",
    }


def verify(
    secret: str, headers: Mapping[str, str], body: bytes, now: float, request_id: str
) -> bool:
    """Whether ``headers`` sign ``body`` for ``request_id`` with ``secret`` at a time close to
    ``now``. The app passes the id it sent; a bot passes the request's header."""
    timestamp = headers.get(TIMESTAMP_HEADER) or ""
    given = headers.get(SIGNATURE_HEADER) or ""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    if not _REQUEST_ID.fullmatch(request_id):
        return False
    expected = signature(secret, timestamp, request_id, body)
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


class WebhookClient:
    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.time,
        *,
        targets: BotTargets | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        # No keep-alive: a pooled connection is keyed by the address, and must not carry a
        # request for one host over a TLS session whose certificate was checked for another.
        self._http = httpx.Client(
            transport=transport,
            follow_redirects=False,
            verify=ssl_context or True,
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        self._clock = clock
        self._targets = targets or BotTargets()

    def ask(self, bot: WebhookBot, secret: str, payload: Mapping[str, Any]) -> list[Action]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        request_id = new_request_id()
        try:
            url = httpx.URL(bot.url)
            host = url.raw_host.decode("ascii")
        except (httpx.InvalidURL, UnicodeError):
            raise BotFailureError("the bot's URL cannot be used by the HTTP client") from None
        https = url.scheme == "https"
        try:
            address = self._targets.address(host, url.port or (443 if https else 80))
        except RefusedTargetError as error:
            raise BotFailureError(f"the bot's URL is refused: {error}") from None
        headers = {
            **signed_headers(secret, request_id, body, self._clock()),
            "Host": url.netloc.decode("ascii"),
            "Accept-Encoding": "identity",
        }
        # Connect to the address just checked; TLS still checks the certificate for the host.
        extensions = {"sni_hostname": host} if https else {}
        deadline = time.monotonic() + bot.timeout_seconds
        try:
            with self._http.stream(
                "POST",
                url.copy_with(host=address),
                content=body,
                headers=headers,
                timeout=bot.timeout_seconds,
                extensions=extensions,
            ) as response:
                if response.status_code != 200:
                    raise BotFailureError(f"the bot answered HTTP {response.status_code}")
                answer = _read_answer(response, deadline, bot.timeout_seconds)
                answer_headers = response.headers
        except httpx.TimeoutException:
            raise BotFailureError(
                f"the bot did not answer within {bot.timeout_seconds:g} s"
            ) from None
        except httpx.HTTPError as error:
            raise BotFailureError(
                f"the bot could not be reached ({type(error).__name__})"
            ) from None
        if not verify(secret, answer_headers, answer, self._clock(), request_id):
            raise BotFailureError(
                "the bot's answer was not signed with the workstream's secret for this request"
            )
        try:
            return BotAnswer.model_validate_json(answer).actions
        except ValidationError:
            raise BotFailureError("the bot's answer was not a valid list of actions") from None


def _read_answer(response: httpx.Response, deadline: float, timeout: float) -> bytes:
    """The answer's bytes as sent, stopping as soon as it is too large or too late."""
    too_large = BotFailureError(f"the bot's answer was larger than {MAX_ANSWER_BYTES} bytes")
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
        raise too_large
    if response.headers.get("Content-Encoding", "identity").lower() != "identity":
        raise BotFailureError("the bot's answer was compressed; answer without Content-Encoding")
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_raw():
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise too_large
        if time.monotonic() > deadline:
            raise BotFailureError(f"the bot did not answer within {timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)
