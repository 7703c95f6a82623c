"""The send step: deliver each conversation's queued messages to WeChat, in order.

One worker at a time sends for a conversation (a lease), always starting from its earliest
unsent message and stopping at the first one that must wait for a retry, so a later message
never goes out before an earlier one. A retry waits its backoff (``retryAt``) whatever wakes the
conversation sooner: every reply queues a send, and a burst of them during a short outage must
not use up the first message's tries within a second.

``message/custom/send`` is not idempotent, and a timeout leaves it unknown whether WeChat
delivered the message. We retry (at least once delivery): a customer may, rarely, see a
message twice, but an agent's reply is never silently lost. Such messages are marked
``ambiguous`` so the agent can see it. The same holds when a worker dies mid-call: the message
is found still ``sending`` and sent again, marked ambiguous.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from azure.storage.blob import ContainerClient

from shared.channel.access_tokens import AccessTokens, AccountDisabledError, NoAccountError
from shared.core import metrics
from shared.core.file_links import FileLinks
from shared.core.log_dimensions import add_log_dimensions
from shared.messaging.outbox import Outbox
from shared.model.conversations import Conversation, TranscriptEntry, utc
from shared.model.tap_menus import MENU_DETAILS, MENU_TYPE, wechat_msgmenu
from shared.model.templates import TEMPLATE_TYPE
from shared.pipeline.send_attempts import MAX_ATTEMPTS, queue_retry, record_attempt
from shared.pipeline.template_send import TemplateSender
from shared.store.changes import ChangeFeed
from shared.store.conversations import ConversationStore
from shared.store.leases import Leases
from shared.store.timeline import UNRECORDED, TimelineStore
from shared.store.work_items import OutboundItem
from shared.store.work_queues import WorkQueue
from shared.wechat.api import WeChatApi
from shared.wechat.errors import ApiAction, WeChatApiError, WeChatUnavailableError

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MEDIA_REUSE = timedelta(days=2, hours=12)  # WeChat keeps temporary media 3 days
WECHAT_MEDIA_TYPES = ("image", "voice")


class OutboundStep:
    def __init__(
        self,
        conversations: ConversationStore,
        tokens: AccessTokens,
        api: WeChatApi,
        outbox: Outbox,
        leases: Leases,
        container: ContainerClient,
        links: FileLinks,
        send_queue: WorkQueue[OutboundItem],
        feed: ChangeFeed,
        clock: Callable[[], float] = time.time,
        timeline: TimelineStore = UNRECORDED,
        templates: TemplateSender | None = None,
    ) -> None:
        """``templates`` sends the template messages among the lines (docs/protocol.md §6.3)."""
        self._templates = templates
        self._timeline = timeline
        self._conversations = conversations
        self._feed = feed
        self._access_tokens = tokens
        self._api = api
        self._outbox = outbox
        self._leases = leases
        self._container = container
        self._links = links
        self._send_queue = send_queue
        self._clock = clock

    def _now(self) -> datetime:
        return utc(self._clock())

    def send_pending(self, conversation_id: str) -> None:
        """Send the conversation's queued messages, unless another worker is doing so: that
        worker looks for new messages after giving up its lease, so none is left behind."""
        conversation = self._conversations.get(conversation_id)
        if conversation is None:
            return
        add_log_dimensions(account_id=conversation.account_id)
        while True:
            owner = uuid.uuid4().hex  # per call: threads of one worker must exclude each other
            lease = self._leases.acquire(conversation_id, owner, self._now(), self._now() + LEASE)
            if lease is None:
                return
            held: list[Any] = [lease, self._now()]  # the latest ETag and when it was taken
            try:
                retry_in = self._drain(conversation, owner, held)
            finally:
                self._leases.release(conversation_id, held[0])
            if retry_in is not None:
                self._send_queue.put(
                    OutboundItem(conversation_id=conversation_id), delay_seconds=retry_in
                )
                return
            if not self._conversations.pending_outbound(conversation_id, limit=1):
                return  # nothing arrived while we held the lease

    def _drain(self, conversation: Conversation, owner: str, held: list[Any]) -> int | None:
        """Deliver pending messages in order, renewing the lease once it is half used;
        seconds to wait before the next try if one must be retried."""
        while pending := self._conversations.pending_outbound(conversation.id, limit=1):
            now = self._now()
            wait = _retry_wait(pending[0], now)
            if wait is not None:
                return wait  # not due yet: try nothing now, look again when it is
            if now - held[1] > LEASE / 2:
                renewed = self._leases.acquire(conversation.id, owner, now, now + LEASE)
                if renewed is None:
                    return None  # the lease ran out and another worker took over
                held[:] = [renewed, now]
            retry_in = self._deliver(conversation, pending[0])
            if retry_in is not None:
                return retry_in
        return None

    def _deliver(self, conversation: Conversation, entry: TranscriptEntry) -> int | None:
        """Try one message: None once it is settled (sent or failed), else seconds to wait."""
        add_log_dimensions(message_key=entry.key)
        if entry.type == TEMPLATE_TYPE and self._templates is not None:
            return self._templates.deliver(conversation, entry)
        details = dict(entry.details)
        details.pop("retryAt", None)
        if entry.status == "sending":
            details["ambiguous"] = True  # an earlier attempt died mid-call
        attempts = int(details.get("attempts", 0)) + 1
        details["attempts"] = attempts
        entry = self._conversations.update_entry(entry, status="sending", details=details)
        tried_at = self._now()
        try:
            entry = self._send(conversation, entry)
        except WeChatApiError as error:
            entry = self._as_stored(entry)
            self._answered(entry, tried_at, f"errcode {error.errcode}", error.errcode)
            if error.action is ApiAction.RETRY and attempts < MAX_ATTEMPTS:
                metrics.send_settled(conversation.account_id, "retry", error.errcode)
                return self._later(entry, f"{error.reason} (errcode {error.errcode})", attempts)
            self._failed(conversation, entry, _refusal(entry, error), errcode=error.errcode)
            return None
        except WeChatUnavailableError as error:
            entry = self._as_stored(entry)
            self._answered(entry, tried_at, "no answer")
            if error.ambiguous:
                entry = entry.model_copy(update={"details": {**entry.details, "ambiguous": True}})
            if attempts < MAX_ATTEMPTS:
                metrics.send_settled(conversation.account_id, "retry")
                return self._later(entry, f"WeChat did not answer ({error})", attempts)
            reason = f"WeChat did not answer after {attempts} tries (the last: {error.detail})"
            self._failed(conversation, entry, reason)
            return None
        except AccountDisabledError:
            self._failed(conversation, entry, "the WeChat account is disabled")
            return None
        except NoAccountError:
            self._failed(conversation, entry, "the WeChat account has been deleted")
            return None
        self._answered(entry, tried_at, "ok")
        self._conversations.update_entry(
            entry, status="sent", details={**entry.details, "sentAt": self._now().isoformat()}
        )
        metrics.send_settled(conversation.account_id, "sent")
        self._feed.conversations(conversation)
        return None

    def _as_stored(self, entry: TranscriptEntry) -> TranscriptEntry:
        """The entry as a failed attempt left it: its uploads' media ids, recorded before the
        send failed, are kept for the retry instead of uploading the files again."""
        return self._conversations.entry(entry.conversation_id, entry.key) or entry

    def _answered(
        self, entry: TranscriptEntry, at: datetime, outcome: str, errcode: int | None = None
    ) -> None:
        record_attempt(
            self._timeline, entry, at, outcome, errcode=errcode, text=entry.details.get("automated")
        )

    def _later(self, entry: TranscriptEntry, reason: str, attempts: int) -> int:
        return queue_retry(self._conversations, entry, self._now(), reason, attempts)

    def _failed(
        self,
        conversation: Conversation,
        entry: TranscriptEntry,
        reason: str,
        *,
        errcode: int | None = None,
    ) -> None:
        details: dict[str, Any] = {**entry.details, "reason": reason}
        if errcode is not None:
            details["errcode"] = errcode
        self._conversations.update_entry(entry, status="failed", details=details)
        metrics.send_settled(conversation.account_id, "failed", errcode)
        self._feed.conversations(conversation)
        if not details.get("ambiguous"):
            self._outbox.give_back(conversation)  # certainly not delivered: the slot is free
        log.info("message %s of %s failed: %s", entry.key, conversation.id, reason)
        return None

    def _send(self, conversation: Conversation, entry: TranscriptEntry) -> TranscriptEntry:
        """One call to custom/send, again after a token refresh (``AccessTokens.call``) or a
        re-upload if WeChat asks → the entry as its uploads left it."""

        def send(token: str) -> None:
            nonlocal entry  # an upload records its media id: a retry starts from that
            entry, payload = self._payload(conversation, entry, token, reupload=False)
            try:
                self._api.send(token, payload)
            except WeChatApiError as error:
                if error.action is not ApiAction.REUPLOAD or not entry.details.get("attachment"):
                    raise  # nothing of ours to upload again (a permanent material, say)
                entry, payload = self._payload(conversation, entry, token, reupload=True)
                self._api.send(token, payload)

        self._access_tokens.call(conversation.account_id, send)
        return entry

    def _payload(
        self, conversation: Conversation, entry: TranscriptEntry, token: str, *, reupload: bool
    ) -> tuple[TranscriptEntry, dict[str, Any]]:
        message: dict[str, Any] = {"touser": conversation.open_id}
        if rich := self._rich_payload(entry, token, reupload):
            entry, body = rich
            return entry, {**message, **body}
        attachment = entry.details.get("attachment")
        if entry.type in WECHAT_MEDIA_TYPES and attachment:
            entry, media_id = self._wechat_media(entry, attachment, token, reupload)
            message.update(msgtype=entry.type, **{entry.type: {"media_id": media_id}})
        elif entry.type in WECHAT_MEDIA_TYPES and entry.media_id:
            # A permanent material (a bot's image answer): no upload needed.
            message.update(msgtype=entry.type, **{entry.type: {"media_id": entry.media_id}})
        elif entry.type == "file" and attachment:
            url = self._links.url(attachment["blob"], self._now())
            message.update(msgtype="text", text={"content": f"{attachment['filename']}: {url}"})
        elif entry.type == MENU_TYPE and isinstance(menu := entry.details.get(MENU_DETAILS), dict):
            message.update(msgtype=MENU_TYPE, msgmenu=wechat_msgmenu(menu))
        else:
            message.update(msgtype="text", text={"content": entry.text or ""})
        return entry, message

    def _wechat_media(
        self, entry: TranscriptEntry, attachment: dict[str, Any], token: str, reupload: bool
    ) -> tuple[TranscriptEntry, str]:
        """A temporary media id for the stored file, uploaded again when it may have expired."""
        uploaded_at = entry.details.get("wechatMediaAt")
        media_id = entry.details.get("wechatMediaId")
        fresh = uploaded_at and datetime.fromisoformat(uploaded_at) > self._now() - MEDIA_REUSE
        if media_id and fresh and not reupload:
            return entry, media_id
        content = self._container.download_blob(attachment["blob"]).readall()
        media_id = self._api.upload_media(
            token, entry.type, attachment["filename"], content, attachment["contentType"]
        )
        details = {
            **entry.details,
            "wechatMediaId": media_id,
            "wechatMediaAt": self._now().isoformat(),
        }
        return self._conversations.update_entry(entry, details=details), media_id

    # --- video, news and mini-program cards (docs/protocol.md §6.2) --------------------------

    def _rich_payload(
        self, entry: TranscriptEntry, token: str, reupload: bool
    ) -> tuple[TranscriptEntry, dict[str, Any]] | None:
        """The message of a video, a news article or a mini-program card; None for the other
        kinds. Their files are uploaded (again) as ``_wechat_media`` does."""
        details = entry.details
        if entry.type == "video" and details.get("attachment"):
            entry, media_id = self._uploaded(entry, "attachment", "video", token, reupload)
            video: dict[str, Any] = {"media_id": media_id}
            if details.get("thumbAttachment"):
                entry, thumb_id = self._uploaded(entry, "thumbAttachment", "thumb", token, reupload)
                video["thumb_media_id"] = thumb_id
            shown = details.get("video") or {}
            video.update({k: shown[k] for k in ("title", "description") if shown.get(k)})
            return entry, {"msgtype": "video", "video": video}
        if entry.type == "news" and isinstance(article := details.get("news"), dict):
            fields = {"title": article["title"], "url": article["url"]}
            fields.update(
                {
                    name: article[key]
                    for name, key in (("description", "description"), ("picurl", "picUrl"))
                    if article.get(key)
                }
            )
            return entry, {"msgtype": "news", "news": {"articles": [fields]}}
        card = details.get("miniProgramPage")
        if entry.type == "miniprogrampage" and isinstance(card, dict):
            entry, thumb_id = self._uploaded(entry, "attachment", "image", token, reupload)
            page = {
                "title": card["title"],
                "appid": card["appId"],
                "pagepath": card["pagePath"],
                "thumb_media_id": thumb_id,
            }
            return entry, {"msgtype": "miniprogrampage", "miniprogrampage": page}
        return None

    def _uploaded(
        self, entry: TranscriptEntry, field: str, kind: str, token: str, reupload: bool
    ) -> tuple[TranscriptEntry, str]:
        """The temporary media id of the file ``details[field]`` names, uploaded as ``kind``
        when it has none, may have expired, or WeChat asked (``reupload``)."""
        attachment = entry.details[field]
        uploaded = entry.details.get("wechatMedia", {}).get(field) or {}
        fresh = (
            uploaded.get("at")
            and datetime.fromisoformat(uploaded["at"]) > self._now() - MEDIA_REUSE
        )
        if uploaded.get("id") and fresh and not reupload:
            return entry, str(uploaded["id"])
        content = self._container.download_blob(attachment["blob"]).readall()
        media_id = self._api.upload_media(
            token, kind, attachment["filename"], content, attachment["contentType"]
        )
        kept = {
            **entry.details.get("wechatMedia", {}),
            field: {"id": media_id, "at": self._now().isoformat()},
        }
        entry = self._conversations.update_entry(
            entry, details={**entry.details, "wechatMedia": kept}
        )
        return entry, media_id


def _retry_wait(entry: TranscriptEntry, now: datetime) -> int | None:
    """Whole seconds until a message waiting for a retry is due; None when it may go now."""
    retry_at = entry.details.get("retryAt") if entry.status == "queued" else None
    if not retry_at:
        return None
    seconds = math.ceil((datetime.fromisoformat(retry_at) - now).total_seconds())
    return seconds if seconds > 0 else None


def _refusal(entry: TranscriptEntry, error: WeChatApiError) -> str:
    """Why a message failed, as a person can act on it. A permanent material (a bot's image
    answer) is WeChat's to know: 40007 then means the admin's media id is wrong, not expired."""
    permanent = entry.media_id and not entry.details.get("attachment")
    if permanent and error.errcode == 40007:
        return (
            f"WeChat does not know media_id {entry.media_id} (40007 invalid media_id): it is not "
            "a permanent image in this account's material library"
        )
    return error.reason
