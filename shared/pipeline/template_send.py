"""Sending a queued template message (docs/protocol.md §6.3), for the send step.

A template message waits in the conversation's transcript like any outbound line and goes out
in its turn, under the send step's per-conversation lease (``shared.pipeline.outbound``). It
takes no reply-window slot; what it spends is its template's daily quota, counted when the
agent sent it (``shared.desk.templates``) and given back when it certainly did not go.

Unlike a customer-service message, a template message whose fate is unknown is not sent again:
``message/template/send`` has no idempotency key, and the customer would get the same
notification twice. A timeout after the request went out, an answer that is not JSON, or a
worker that died mid-call (the line is found ``sending``) marks it ``failed`` and
``ambiguous``, with the reason, so the agent can check and send it again; answers that
certainly changed nothing (a refused connection, WeChat busy) are retried with backoff as the
send step retries.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.channel.access_tokens import AccessTokens, AccountDisabledError, NoAccountError
from shared.core import metrics
from shared.model.conversations import Conversation, TranscriptEntry, utc
from shared.model.templates import template_payload
from shared.pipeline.send_attempts import MAX_ATTEMPTS, queue_retry, record_attempt
from shared.store.changes import ChangeFeed
from shared.store.conversations import ConversationStore
from shared.store.templates import TemplateStore
from shared.store.timeline import UNRECORDED, TimelineStore
from shared.wechat.api import WeChatApi
from shared.wechat.errors import (
    TEMPLATE_ERRORS,
    ApiAction,
    WeChatApiError,
    WeChatUnavailableError,
)

log = logging.getLogger(__name__)

DELIVERY_FAILED = "failed"
"""How a ``TEMPLATESENDJOBFINISH`` Status that is not ``success`` starts."""


class TemplateSender:
    def __init__(
        self,
        conversations: ConversationStore,
        templates: TemplateStore,
        tokens: AccessTokens,
        api: WeChatApi,
        feed: ChangeFeed,
        clock: Callable[[], float] = time.time,
        timeline: TimelineStore = UNRECORDED,
    ) -> None:
        self._conversations = conversations
        self._templates = templates
        self._access_tokens = tokens
        self._api = api
        self._feed = feed
        self._clock = clock
        self._timeline = timeline

    def _now(self) -> datetime:
        return utc(self._clock())

    def deliver(self, conversation: Conversation, entry: TranscriptEntry) -> int | None:
        """Try the template message once: None once it is settled, else seconds to wait."""
        details = dict(entry.details)
        details.pop("retryAt", None)
        if entry.status == "sending":
            reason = (
                "an earlier try stopped mid-call: WeChat may have delivered it, so it is not "
                "sent again; check with the customer before sending it once more"
            )
            self._failed(conversation, entry, {**details, "ambiguous": True}, reason)
            return None
        attempts = int(details.get("attempts", 0)) + 1
        details["attempts"] = attempts
        entry = self._conversations.update_entry(entry, status="sending", details=details)
        payload = template_payload(details["template"], conversation.open_id, details["fields"])
        tried_at = self._now()
        try:
            msg_id = self._access_tokens.call(
                conversation.account_id, lambda token: self._api.send_template(token, payload)
            )
        except WeChatApiError as error:
            self._answered(entry, tried_at, f"errcode {error.errcode}", error.errcode)
            action, reason = TEMPLATE_ERRORS.get(error.errcode, (error.action, error.reason))
            if action is ApiAction.RETRY and attempts < MAX_ATTEMPTS:
                metrics.send_settled(conversation.account_id, "retry", error.errcode)
                return self._later(entry, f"{reason} (errcode {error.errcode})", attempts)
            self._failed(conversation, entry, entry.details, reason, errcode=error.errcode)
            return None
        except WeChatUnavailableError as error:
            self._answered(entry, tried_at, "no answer")
            if error.ambiguous:
                reason = (
                    f"WeChat did not answer ({error.detail}): it may have delivered it, so it "
                    "is not sent again; check with the customer before sending it once more"
                )
                self._failed(conversation, entry, {**entry.details, "ambiguous": True}, reason)
                return None
            if attempts < MAX_ATTEMPTS:
                metrics.send_settled(conversation.account_id, "retry")
                return self._later(entry, f"WeChat did not answer ({error})", attempts)
            reason = f"WeChat did not answer after {attempts} tries (the last: {error.detail})"
            self._failed(conversation, entry, entry.details, reason)
            return None
        except AccountDisabledError:
            self._failed(conversation, entry, entry.details, "the WeChat account is disabled")
            return None
        except NoAccountError:
            self._failed(conversation, entry, entry.details, "the WeChat account has been deleted")
            return None
        self._answered(entry, tried_at, "ok")
        sent: dict[str, Any] = {**entry.details, "sentAt": self._now().isoformat()}
        if msg_id is not None:
            sent["msgId"] = msg_id
        self._conversations.update_entry(entry, status="sent", details=sent)
        if msg_id is not None:
            self._templates.remember_message(
                conversation.account_id, msg_id, conversation.id, entry.key
            )
        metrics.send_settled(conversation.account_id, "sent")
        self._feed.conversations(conversation)
        return None

    def job_finished(self, account_id: str, msg_id: int | None, status: str) -> bool:
        """WeChat's delivery report (``TEMPLATESENDJOBFINISH``): ``success``, ``failed:user
        block`` or ``failed: system failed``, on the line it names → whether one was found."""
        found = self._templates.message(account_id, msg_id) if msg_id is not None else None
        entry = self._conversations.entry(*found) if found else None
        if entry is None:
            return False
        details: dict[str, Any] = {
            **entry.details,
            "delivery": status,
            "deliveryAt": self._now().isoformat(),
        }
        changes: dict[str, Any] = {"details": details}
        if status.startswith(DELIVERY_FAILED):
            changes["status"] = "failed"
            details["reason"] = _delivery_reason(status)
        self._conversations.update_entry(entry, **changes)
        conversation = self._conversations.get(entry.conversation_id)
        if conversation is not None:
            self._feed.conversations(conversation)
        return True

    def _answered(
        self, entry: TranscriptEntry, at: datetime, outcome: str, errcode: int | None = None
    ) -> None:
        record_attempt(
            self._timeline,
            entry,
            at,
            outcome,
            errcode=errcode,
            text=f"template {entry.details.get('template', {}).get('templateId')}",
        )

    def _later(self, entry: TranscriptEntry, reason: str, attempts: int) -> int:
        return queue_retry(self._conversations, entry, self._now(), reason, attempts)

    def _failed(
        self,
        conversation: Conversation,
        entry: TranscriptEntry,
        details: dict[str, Any],
        reason: str,
        *,
        errcode: int | None = None,
    ) -> None:
        details = {**details, "reason": reason}
        if errcode is not None:
            details["errcode"] = errcode
        self._conversations.update_entry(entry, status="failed", details=details)
        metrics.send_settled(conversation.account_id, "failed", errcode)
        self._feed.conversations(conversation)
        if not details.get("ambiguous") and details.get("quotaDay"):
            self._templates.give_back_send(
                conversation.account_id, details["template"]["templateId"], details["quotaDay"]
            )
        log.info("template message %s of %s failed: %s", entry.key, conversation.id, reason)


def _delivery_reason(status: str) -> str:
    if "user block" in status:
        return "the customer has refused the account's messages (WeChat: failed:user block)"
    return f"WeChat could not deliver it ({status})"
