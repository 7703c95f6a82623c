"""WeChat's server URL: verify, decrypt, dedupe, store, enqueue, answer ``success``.

The callback does the least that makes a push durable: one conditional transaction (the
dedupe, the replay guard and the record at once) and one queue message. It reads nothing that
grows with history and calls no WeChat API (but for fetching WeChat's callback IPs once, when
``CALLBACK_IP_CHECK`` is on and none are stored), so it answers in milliseconds, far inside
WeChat's 5 seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import NamedTuple

from shared.channel.callback_ips import Address, CallbackIpAllowList
from shared.channel.golive import ActivityRecorder
from shared.channel.registry import AccountRegistry
from shared.core import metrics
from shared.core.errors import (
    DomainError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    TooLargeError,
    UnauthorizedError,
)
from shared.core.log_dimensions import add_log_dimensions
from shared.core.settings import Settings
from shared.model.accounts import Account
from shared.model.conversations import utc
from shared.store.inbound import Arrival, InboundStore, SignedUrl
from shared.store.work_items import InboundItem
from shared.store.work_queues import WorkQueue
from shared.wechat import MAX_BODY_BYTES, SUCCESS, ErrorCode, ProtocolError, open_push, verify_url

log = logging.getLogger(__name__)

_KIND: dict[ErrorCode, type[DomainError]] = {
    ErrorCode.BAD_SIGNATURE: UnauthorizedError,
    ErrorCode.STALE_TIMESTAMP: UnauthorizedError,
    ErrorCode.BODY_TOO_LARGE: TooLargeError,
}


class Answer(NamedTuple):
    """What WeChat gets: ``body`` (``success``, or the echo of a verification), or the
    ``refusal`` that stopped the push before anything was stored."""

    body: str
    refusal: DomainError | None = None

    @classmethod
    def refused(cls, refusal: DomainError) -> Answer:
        return cls(refusal.message, refusal)


def _refusal(error: ProtocolError) -> Answer:
    kind = _KIND.get(error.code, InvalidRequestError)
    return Answer.refused(kind(error.message, code=error.code.value))


_NO_ACCOUNT = Answer.refused(NotFoundError("no such account"))
_NOT_WECHAT = Answer.refused(
    ForbiddenError(
        "CALLBACK_IP_CHECK is on and this address is not one of WeChat's", code="ip_not_allowed"
    )
)
_DISABLED = Answer.refused(
    ForbiddenError(
        "the account is disabled: enable it in the console to take pushes",
        code="account_disabled",
    )
)
_REPLAY = Answer.refused(
    UnauthorizedError(
        "this timestamp and nonce came with another push before: a replay", code="replayed"
    )
)


class WeChatCallback:
    def __init__(
        self,
        registry: AccountRegistry,
        inbound: InboundStore,
        queue: WorkQueue[InboundItem],
        settings: Settings,
        allow_list: CallbackIpAllowList | None = None,
        clock: Callable[[], float] = time.time,
        activity: ActivityRecorder | None = None,
    ) -> None:
        """``allow_list``: when given (``CALLBACK_IP_CHECK``), only WeChat's callback IPs.
        ``activity``: where the go-live check learns what came (throttled for pushes)."""
        self._registry = registry
        self._inbound = inbound
        self._queue = queue
        self._tolerance = settings.callback_timestamp_tolerance_seconds
        self._allow_list = allow_list
        self._clock = clock
        self._activity = activity

    def _account_for(self, account_id: str, client: Address | None) -> Account | Answer:
        """The account a request to its server URL may reach, or the refusal to answer."""
        account = self._registry.lookup(account_id)
        if account is None:
            return _NO_ACCOUNT
        if self._from_elsewhere(account_id, client):
            return _NOT_WECHAT
        if account.disabled:
            return _DISABLED
        return account

    def _from_elsewhere(self, account_id: str, client: Address | None) -> bool:
        if self._allow_list is None or self._allow_list.allows(client, account_id):
            return False
        log.warning("request to %s refused: %s is not a WeChat callback IP", account_id, client)
        return True

    def verify(
        self, account_id: str, query: Mapping[str, str], client: Address | None = None
    ) -> Answer:
        """GET: echo ``echostr`` when the signature holds (the console's "submit")."""
        account = self._account_for(account_id, client)
        if isinstance(account, Answer):
            return account
        now = self._clock()
        try:
            echo = verify_url(
                query, account.channel(utc(now)), now=now, tolerance_seconds=self._tolerance
            )
        except ProtocolError as error:
            self._refused(account_id, error)
            return _refusal(error)
        # The GET's signed URL is as good as a push's: remembered, it cannot carry a push.
        self._inbound.remember_verification(
            account_id, self._signed(query["timestamp"], query["nonce"])
        )
        if self._activity is not None:
            self._activity.verified(account_id)
        return Answer(echo)

    def _refused(self, account_id: str, error: ProtocolError) -> None:
        if self._activity is not None:
            self._activity.refused(account_id, error.code.value, error.message)

    def _count_retry(self, account_id: str, key: str, at: datetime) -> None:
        """For the conversation's timeline (the step records it); never fails the answer
        WeChat waits for."""
        try:
            self._inbound.count_retry(account_id, key, at)
        except Exception as error:
            log.warning(
                "push %s to %s: its retry was not counted (%s)",
                key,
                account_id,
                type(error).__name__,
            )

    def _signed(self, timestamp: str, nonce: str) -> SignedUrl:
        # The signed timestamp is within the tolerance of now, so after that it is refused
        # as stale and its nonce need not be remembered.
        return SignedUrl(timestamp, nonce, utc(int(timestamp) + self._tolerance))

    def receive(
        self,
        account_id: str,
        query: Mapping[str, str],
        body: bytes,
        client: Address | None = None,
    ) -> Answer:
        """POST: a push from ``client``. Every refusal happens before anything is written or
        enqueued."""
        if len(body) > MAX_BODY_BYTES:
            return Answer.refused(TooLargeError(f"body is larger than {MAX_BODY_BYTES} bytes"))
        account = self._account_for(account_id, client)
        if isinstance(account, Answer):
            return account
        now = self._clock()
        try:
            push = open_push(
                body, query, account.channel(utc(now)), now=now, tolerance_seconds=self._tolerance
            )
        except ProtocolError as error:
            log.info("push to %s refused: %s", account_id, error.code.value)
            self._refused(account_id, error)
            return _refusal(error)
        if push.message.to_user_name != account.original_id:
            return Answer.refused(
                InvalidRequestError(
                    "ToUserName is not this account's Original ID", code="wrong_account"
                )
            )

        key, arrival = self._inbound.add(
            account_id,
            push.message,
            push.xml,
            encrypted=push.encrypted,
            received_at=utc(now),
            signed=self._signed(push.timestamp, push.nonce),
        )
        add_log_dimensions(message_key=key)
        if arrival is Arrival.REPLAY:
            log.warning("push to %s refused: its timestamp and nonce were used before", account_id)
            return _REPLAY
        if arrival is Arrival.RETRY:  # counted first, so the step the enqueue wakes records it
            self._count_retry(account_id, key, utc(now))
        # Enqueued even when the push was stored before: the earlier attempt may have died
        # between the insert and the enqueue, and the conversation step is idempotent.
        self._queue.put(InboundItem(account_id=account_id, key=key))
        metrics.push_stored(account_id, push.message.msg_type, duplicate=arrival is Arrival.RETRY)
        if arrival is Arrival.RETRY:
            log.info("push %s to %s was a retry", key, account_id)
        if self._activity is not None:
            self._activity.pushed(account_id, encrypted=push.encrypted)
        return Answer(SUCCESS)
