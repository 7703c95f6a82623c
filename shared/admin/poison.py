"""Poison messages made visible: what sits in each ``<queue>-poison``, whose it is, why it failed,
and putting one back.

The host (and devhost) copies a message that failed ``maxDequeueCount`` times to
``<queue>-poison`` as it was, text only: the error is in the host's log and nowhere else. So the
pipeline's triggers record each failure here, keyed by the queue and a hash of the body (a
poison copy gets a new message id, but its body is the same), and the listing joins the two.
One upsert per failed invocation, nothing on success.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode
from azure.storage.queue import QueueMessage, QueueServiceClient

from shared.core import metrics
from shared.core.errors import not_found
from shared.core.schema import ViewModel
from shared.model.conversations import utc
from shared.store.conversations import ConversationStore
from shared.store.inbound import InboundStore
from shared.store.names import WORK_QUEUES
from shared.store.work_queues import message_body
from shared.wechat import parse_message

log = logging.getLogger(__name__)

POISON_SUFFIX = "-poison"
PEEK_LIMIT = 32
"""Messages looked at per poison queue: the most one Storage request returns."""
BODY_CHARS = 1000
ERROR_CHARS = 500
REPLAY_HOLD_SECONDS = 30
"""How long the poison copy stays hidden between sending it back and deleting it."""

_URL_QUERY = re.compile(r"(https?://[^\s'\"?]+)\?[^\s'\"]*")


class LastError(ViewModel):
    at: datetime
    message: str
    """The exception's type and text (URL queries removed: they can carry access tokens)."""
    dequeue_count: int


class PoisonMessage(ViewModel):
    id: str
    inserted_on: datetime | None = None
    body: str
    """The text the step got (base64 decoded), at most 1000 characters."""
    decoded: bool
    """False when the text is not base64: the host moved it to poison without running it."""
    conversation_id: str | None = None
    """Named by the message; for an inbound push, the customer's conversation that is open."""
    account_id: str | None = None
    push_key: str | None = None
    agent_id: str | None = None
    queue_id: str | None = None
    last_error: LastError | None = None


class PoisonQueue(ViewModel):
    queue: str
    poison_queue: str
    count: int
    """Storage's approximate count of every message in the poison queue."""
    messages: list[PoisonMessage]
    """The first ``peekLimit`` of them."""


class PoisonReport(ViewModel):
    peek_limit: int
    total: int
    queues: list[PoisonQueue]


class PoisonReplayed(ViewModel):
    queue: str
    message_id: str
    """The poison message's id (gone now)."""
    replayed_as: str
    """The id of the message put back on ``queue``."""


def body_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def describe_error(error: BaseException) -> str:
    text = _URL_QUERY.sub(r"\1?…", f"{type(error).__name__}: {error}")
    return text[:ERROR_CHARS]


class FailureLog:
    """The last error of each (queue, body) that failed."""

    def __init__(self, table: TableClient, clock: Callable[[], float]) -> None:
        self._table = table
        self._clock = clock

    def record(self, queue: str, body: bytes, error: BaseException, dequeue_count: int) -> None:
        """Never raises: recording must not hide the failure it records."""
        try:
            self._table.upsert_entity(
                {
                    "PartitionKey": queue,
                    "RowKey": body_hash(body),
                    "At": utc(self._clock()),
                    "Error": describe_error(error),
                    "DequeueCount": dequeue_count,
                },
                mode=UpdateMode.REPLACE,
            )
        except Exception as failure:
            log.warning("queue %s: cannot record a failure: %s", queue, type(failure).__name__)

    @contextlib.contextmanager
    def recording(self, queue: str, body: bytes, dequeue_count: int) -> Iterator[None]:
        """Record an exception that leaves the block, then let it go on."""
        try:
            yield
        except Exception as error:
            metrics.step_failed(queue, error, dequeue_count)
            self.record(queue, body, error, dequeue_count)
            raise

    def last(self, queue: str, body: bytes) -> LastError | None:
        try:
            entity = self._table.get_entity(queue, body_hash(body))
        except ResourceNotFoundError:
            return None
        return LastError(
            at=entity["At"], message=entity["Error"], dequeue_count=entity["DequeueCount"]
        )

    def forget(self, queue: str, body: bytes) -> None:
        self._table.delete_entity(queue, body_hash(body))


class PoisonQueues:
    """The poison queues of the pipeline's queues, read and replayed with raw clients: a
    message's text is copied exactly, as the host copies it."""

    def __init__(
        self,
        queues: QueueServiceClient,
        failures: FailureLog,
        conversations: ConversationStore,
        inbound: InboundStore,
    ) -> None:
        self._queues = queues
        self._failures = failures
        self._conversations = conversations
        self._inbound = inbound

    def report(self) -> PoisonReport:
        listed = [self._list(queue) for queue in WORK_QUEUES]
        return PoisonReport(
            peek_limit=PEEK_LIMIT, total=sum(q.count for q in listed), queues=listed
        )

    def replay(self, queue: str, message_id: str) -> PoisonReplayed:
        """Put the poison message back on ``queue`` and delete it from poison. A concurrent
        replay of the same message cannot receive it (it is hidden) and is told it was not found."""
        if queue not in WORK_QUEUES:
            raise not_found(f"queue {queue}")
        poison = self._queues.get_queue_client(queue + POISON_SUFFIX)
        try:
            received = list(
                next(
                    poison.receive_messages(
                        messages_per_page=PEEK_LIMIT, visibility_timeout=REPLAY_HOLD_SECONDS
                    ).by_page(),
                    [],
                )
            )
        except ResourceNotFoundError:
            received = []
        chosen = None
        for message in received:
            if message.id == message_id:
                chosen = message
            else:  # looked at, not taken: visible again at once
                with contextlib.suppress(ResourceNotFoundError):
                    poison.update_message(message.id, message.pop_receipt, visibility_timeout=0)
        if chosen is None:
            where = f"among the first {PEEK_LIMIT} of {poison.queue_name}"
            raise not_found(f"message {message_id} {where}")
        text = chosen.content or ""
        sent = self._queues.get_queue_client(queue).send_message(text)
        poison.delete_message(chosen.id, chosen.pop_receipt)
        decoded = message_body(text)
        if decoded is not None:
            with contextlib.suppress(ResourceNotFoundError):
                self._failures.forget(queue, decoded)
        return PoisonReplayed(queue=queue, message_id=message_id, replayed_as=sent.id)

    def _list(self, queue: str) -> PoisonQueue:
        poison = self._queues.get_queue_client(queue + POISON_SUFFIX)
        try:
            count = poison.get_queue_properties().approximate_message_count or 0
            peeked = poison.peek_messages(max_messages=PEEK_LIMIT) if count else []
        except ResourceNotFoundError:  # created by the host on first use
            count, peeked = 0, []
        messages = [self._describe(queue, m) for m in peeked]
        return PoisonQueue(
            queue=queue, poison_queue=poison.queue_name, count=count, messages=messages
        )

    def _describe(self, queue: str, message: QueueMessage) -> PoisonMessage:
        text = message.content or ""
        body = message_body(text)
        shown = text if body is None else body.decode("utf-8", errors="replace")
        fields = self._references(body) if body is not None else {}
        return PoisonMessage(
            id=message.id,
            inserted_on=message.inserted_on,
            body=shown[:BODY_CHARS],
            decoded=body is not None,
            last_error=self._failures.last(queue, body) if body is not None else None,
            **fields,
        )

    def _references(self, body: bytes) -> dict[str, Any]:
        """What the pipeline's messages name: ``conversationId``; ``accountId`` and ``key`` (an
        inbound push); ``agentId`` or ``queueId`` (capacity to fill)."""
        try:
            data = json.loads(body)
        except ValueError:
            return {}
        if not isinstance(data, dict):
            return {}
        found = {
            name: value
            for name, value in (
                ("conversation_id", data.get("conversationId")),
                ("account_id", data.get("accountId")),
                ("push_key", data.get("key")),
                ("agent_id", data.get("agentId")),
                ("queue_id", data.get("queueId")),
            )
            if isinstance(value, str)
        }
        if "account_id" in found and "push_key" in found and "conversation_id" not in found:
            conversation = self._conversation_of_push(found["account_id"], found["push_key"])
            if conversation:
                found["conversation_id"] = conversation
        return found

    def _conversation_of_push(self, account_id: str, key: str) -> str | None:
        try:
            push = self._inbound.get(account_id, key)
            if push is None:
                return None
            customer = parse_message(push.xml).from_user_name
            conversation = self._conversations.current(account_id, customer)
        except Exception:  # an id that is no key, a push that does not parse: say nothing
            return None
        return conversation.id if conversation else None
