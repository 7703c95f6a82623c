"""Every metric the app emits, in one place: WeChat's KPIs and the pipeline's health.

The instruments come from the global ``opentelemetry.metrics`` meter, so they cost nothing
until a ``MeterProvider`` is installed (``shared/core/telemetry.py`` does in Azure; tests
install an SDK one with an in-memory reader). Domain modules call the small functions below,
one line per emission; docs/operations.md documents each metric and the queries that use it.

Attributes are bounded: account and queue ids, outcomes, reasons, WeChat errcodes. A
conversation id is never a metric attribute (one series per conversation); the assignment's
log line carries it instead, for the "why did this customer wait" query.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Protocol

from opentelemetry import metrics

from shared.core.errors import DomainError, NotFoundError
from shared.core.log_dimensions import log_dimensions

log = logging.getLogger(__name__)

SLOW_ACK_SECONDS = 2.0
"""An ack slower than this counts in ``wechat.callback.slow_acks``: WeChat waits 5 s, and the
ack p95 alert fires when more than 5 % of acks are slower than this (p95 > 2 s)."""
POISON_AFTER = 5
"""host.json's ``queues.maxDequeueCount``: the failure of this delivery sends it to poison."""
UNKNOWN = "unknown"

_meter = metrics.get_meter("wechat-contact-center")
METRIC_NAMES: set[str] = set()
"""What docs/operations.md, the workbook and the alerts may name."""


def _named(name: str) -> str:
    METRIC_NAMES.add(name)
    return name


ACK_DURATION = _meter.create_histogram(
    _named("wechat.callback.ack_duration"),
    unit="s",
    description="Time from a request to the server URL to the app's answer to WeChat.",
)
SLOW_ACKS = _meter.create_counter(
    _named("wechat.callback.slow_acks"),
    unit="{ack}",
    description=f"Answers to WeChat slower than {SLOW_ACK_SECONDS:g} s.",
)
PUSHES = _meter.create_counter(
    _named("wechat.callback.pushes"), unit="{push}", description="Pushes stored for the first time."
)
DUPLICATES = _meter.create_counter(
    _named("wechat.callback.duplicates"),
    unit="{push}",
    description="Pushes WeChat sent again (its retries), stored once already.",
)
REFUSED = _meter.create_counter(
    _named("wechat.callback.refused"),
    unit="{push}",
    description="Requests to the server URL refused before anything was stored, by reason.",
)
WORK_QUEUE_WAIT = _meter.create_histogram(
    _named("pipeline.work_queue.wait"),
    unit="s",
    description="Time from a work item's put on its queue to its step starting.",
)
STEP_FAILURES = _meter.create_counter(
    _named("pipeline.step.failures"),
    unit="{failure}",
    description="Pipeline step runs that raised.",
)
POISON = _meter.create_counter(
    _named("pipeline.poison_messages"),
    unit="{message}",
    description="Work items that failed their last delivery: the host moves them to poison.",
)
WAITING = _meter.create_gauge(
    _named("contact_center.waiting.conversations"),
    unit="{conversation}",
    description="Conversations in a queue's waiting line (read by the assignment sweep).",
)
OLDEST_WAIT = _meter.create_gauge(
    _named("contact_center.waiting.oldest"),
    unit="s",
    description="How long the longest-waiting conversation of a queue has waited.",
)
ASSIGNMENT_LATENCY = _meter.create_histogram(
    _named("contact_center.assignment.latency"),
    unit="s",
    description="Time from a conversation's opening to its assignment to an agent.",
)
SENDS = _meter.create_counter(
    _named("wechat.sends"),
    unit="{message}",
    description="Customer-service API sends by outcome (sent, retry, failed) and errcode.",
)
WINDOW_REFUSALS = _meter.create_counter(
    _named("wechat.window.refusals"),
    unit="{message}",
    description="Messages refused before queueing: the reply window expired or its quota is used.",
)
TOKEN_FETCHES = _meter.create_counter(
    _named("wechat.token.fetches"),
    unit="{fetch}",
    description="Access-token fetches from WeChat, by outcome and errcode.",
)
MEDIA_RESCUES = _meter.create_counter(
    _named("wechat.media.rescues"),
    unit="{file}",
    description="Customers' media files kept in Blob storage, or lost, before WeChat drops them.",
)


def callback_answered(
    account_id: str,
    method: str,
    refusal: DomainError | None,
    started: float,
    *,
    failed: bool = False,
) -> None:
    """The answer to one request to the server URL, or its ``failed`` end (a 500: WeChat
    retries); ``started`` is its ``perf_counter``."""
    seconds = time.perf_counter() - started
    # An unknown account id is the caller's invention: never one series per guess.
    account = UNKNOWN if isinstance(refusal, NotFoundError) else account_id
    outcome = "failed" if failed else "answered" if refusal is None else "refused"
    attributes = {"wechat.account_id": account, "http.request.method": method, "outcome": outcome}
    ACK_DURATION.record(seconds, attributes)
    if seconds > SLOW_ACK_SECONDS:
        SLOW_ACKS.add(1, attributes)
    if refusal is not None:
        REFUSED.add(1, {"wechat.account_id": account, "reason": refusal.code})


def push_stored(account_id: str, msg_type: str, *, duplicate: bool) -> None:
    if duplicate:
        DUPLICATES.add(1, {"wechat.account_id": account_id, "wechat.msg_type": msg_type})
    else:
        PUSHES.add(1, {"wechat.account_id": account_id, "wechat.msg_type": msg_type})


def step_started(queue: str, inserted_at: datetime | None) -> None:
    """A pipeline step began on a message the host says was put at ``inserted_at``."""
    if inserted_at is not None:
        waited = time.time() - inserted_at.timestamp()
        WORK_QUEUE_WAIT.record(max(waited, 0.0), {"work_queue": queue})


def step_failed(queue: str, error: BaseException, dequeue_count: int) -> None:
    attributes = {"work_queue": queue, "error.type": type(error).__name__}
    STEP_FAILURES.add(1, attributes)
    if dequeue_count >= POISON_AFTER:
        POISON.add(1, attributes)


def waiting_line(queue_id: str, count: int, oldest_seconds: float) -> None:
    WAITING.set(count, {"queue": queue_id})
    OLDEST_WAIT.set(oldest_seconds, {"queue": queue_id})


class Opened(Protocol):
    """A conversation, as far as its wait is concerned."""

    @property
    def id(self) -> str: ...
    @property
    def queue_id(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...


def assigned(conversation: Opened, assigned_at: datetime, *, first: bool) -> None:
    """A conversation went to an agent; only its ``first`` assignment is a customer's wait
    (a transfer is not)."""
    if not first:
        return
    seconds = max((assigned_at - conversation.created_at).total_seconds(), 0.0)
    ASSIGNMENT_LATENCY.record(seconds, {"queue": conversation.queue_id or UNKNOWN})
    with log_dimensions(conversation_id=conversation.id):
        log.info(
            "conversation %s assigned after %.1f s",
            conversation.id,
            seconds,
            extra={"assignmentSeconds": seconds},
        )


def send_settled(account_id: str, outcome: str, errcode: int | None = None) -> None:
    """``outcome``: sent, retry (WeChat will be asked again) or failed."""
    attributes: dict[str, str | int] = {"wechat.account_id": account_id, "outcome": outcome}
    if errcode is not None:
        attributes["wechat.errcode"] = errcode
    SENDS.add(1, attributes)


def window_refused(account_id: str, expires_at: datetime | None, now: datetime) -> None:
    """A message refused by the outbox: the window had expired (or never opened), else its
    reply quota was used up."""
    reason = "expired" if expires_at is None or now >= expires_at else "quota"
    WINDOW_REFUSALS.add(1, {"wechat.account_id": account_id, "reason": reason})


@contextlib.contextmanager
def token_fetch(account_id: str) -> Iterator[None]:
    """Count the fetch in the block: ok, or failed with WeChat's errcode when it gave one."""
    attributes: dict[str, str | int] = {"wechat.account_id": account_id, "outcome": "ok"}
    try:
        yield
    except Exception as error:
        attributes["outcome"] = "failed"
        errcode = getattr(error, "errcode", None)  # shared.wechat's WeChatApiError
        if isinstance(errcode, int):
            attributes["wechat.errcode"] = errcode
        raise
    finally:
        TOKEN_FETCHES.add(1, attributes)


def media_rescued(account_id: str, outcome: str, errcode: int | None = None) -> None:
    """``outcome``: kept, failed (WeChat gave it up) or declined (the workstream takes none)."""
    attributes: dict[str, str | int] = {"wechat.account_id": account_id, "outcome": outcome}
    if errcode is not None:
        attributes["wechat.errcode"] = errcode
    MEDIA_RESCUES.add(1, attributes)
