"""Webhook bots: we POST the conversation and the new message, signed; the bot answers with
actions, signed too. The signature is HMAC-SHA256 over ``<timestamp>.<body>`` with the
workstream's bot secret, sent as ``X-WCC-Signature: sha256=<hex>`` beside
``X-WCC-Timestamp: <unix seconds>``; either side refuses a timestamp more than 5 minutes off.
Anything but a signed, well-formed 200 answer in time is a failure, and people take over."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx
from pydantic import ValidationError

from .actions import Action, BotAnswer, BotFailureError
from .config import WebhookBot

SIGNATURE_HEADER = "X-WCC-Signature"
TIMESTAMP_HEADER = "X-WCC-Timestamp"
TOLERANCE_SECONDS = 300
MAX_ANSWER_BYTES = 64 * 1024


def signature(secret: str, timestamp: str, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(secret: str, body: bytes, now: float) -> dict[str, str]:
    timestamp = str(int(now))
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        "Content-Type": "application/json; charset=utf-8",
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float) -> bool:
    """Whether ``headers`` sign ``body`` with ``secret`` at a time close to ``now``."""
    timestamp = headers.get(TIMESTAMP_HEADER) or ""
    given = headers.get(SIGNATURE_HEADER) or ""
    if not timestamp.isdigit() or abs(now - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body).encode(), given.encode())


class WebhookClient:
    def __init__(
        self, transport: httpx.BaseTransport | None = None, clock: Callable[[], float] = time.time
    ) -> None:
        self._http = httpx.Client(transport=transport, follow_redirects=False)
        self._clock = clock

    def ask(self, bot: WebhookBot, secret: str, payload: Mapping[str, Any]) -> list[Action]:
        body = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        try:
            response = self._http.post(
                bot.url,
                content=body,
                headers=signed_headers(secret, body, self._clock()),
                timeout=bot.timeout_seconds,
            )
        except httpx.TimeoutException:
            raise BotFailureError(
                f"the bot did not answer within {bot.timeout_seconds:g} s"
            ) from None
        except httpx.HTTPError as error:
            raise BotFailureError(
                f"the bot could not be reached ({type(error).__name__})"
            ) from None
        if response.status_code != 200:
            raise BotFailureError(f"the bot answered HTTP {response.status_code}")
        if len(response.content) > MAX_ANSWER_BYTES:
            raise BotFailureError("the bot's answer was too large")
        if not verify(secret, response.headers, response.content, self._clock()):
            raise BotFailureError("the bot's answer was not signed with the workstream's secret")
        try:
            return BotAnswer.model_validate_json(response.content).actions
        except ValidationError:
            raise BotFailureError("the bot's answer was not a valid list of actions") from None
