"""Everything we say to a customer goes through here: agent replies, automated messages and,
later, bots. A message is accepted only if WeChat's reply window has room for it (a slot is
reserved under the window row's ETag), so no one queues a message that is bound to fail; the
send step then delivers the conversation's messages in order."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime

from shared.core import metrics
from shared.core.errors import WindowClosedError
from shared.model.conversations import Conversation, LineSummary, ReplyWindow, TranscriptEntry, utc
from shared.store.changes import ChangeFeed
from shared.store.conversations import ConversationStore
from shared.store.work_items import OutboundItem
from shared.store.work_queues import WorkQueue

log = logging.getLogger(__name__)


class Outbox:
    def __init__(
        self,
        conversations: ConversationStore,
        send_queue: WorkQueue[OutboundItem],
        feed: ChangeFeed,
        *,
        window_hours: float,
        quota: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._conversations = conversations
        self._send_queue = send_queue
        self._feed = feed
        self.window_hours = window_hours
        self.quota = quota
        self._clock = clock

    def window(self, conversation: Conversation) -> ReplyWindow:
        return self._conversations.window(conversation.account_id, conversation.open_id)

    def messages_left(self, window: ReplyWindow, now: datetime | None = None) -> int:
        if window.refusal(now or utc(self._clock()), hours=self.window_hours, quota=self.quota):
            return 0
        return self.quota - window.sent

    def add(
        self, conversation: Conversation, entry: TranscriptEntry, *, keep: int = 0
    ) -> TranscriptEntry:
        """Record ``entry`` as queued and ask the send step to deliver it; ``WindowClosedError``
        if WeChat's window has no room, or would have fewer than ``keep`` slots left after it
        (what a message nobody asked for leaves the agent). Adding the same entry again
        changes nothing."""
        now = utc(self._clock())

        def take_slot(window: ReplyWindow) -> ReplyWindow:
            reason = window.refusal(now, hours=self.window_hours, quota=self.quota)
            if reason:
                metrics.window_refused(
                    conversation.account_id, window.expires_at(self.window_hours), now
                )
                raise WindowClosedError(reason)
            if self.quota - window.sent - 1 < keep:
                raise WindowClosedError(f"it would leave the agent fewer than {keep} replies")
            changes: dict[str, object] = {"sent": window.sent + 1}
            last = window.last_outbound
            if last is None or last.conversation_id != entry.conversation_id or last.id < entry.key:
                changes["last_outbound"] = LineSummary.of(entry)  # for the agents' lists
            return window.model_copy(update=changes)

        self._conversations.change_window(conversation.account_id, conversation.open_id, take_slot)
        if not self._conversations.append(entry):
            self.give_back(conversation)  # a rerun of the same step: it is queued already
            return self._conversations.entry(entry.conversation_id, entry.key) or entry
        self._send_queue.put(OutboundItem(conversation_id=conversation.id))
        self._feed.conversations(conversation)
        return entry

    def offer(
        self, conversation: Conversation, entry: TranscriptEntry, what: str, *, keep: int = 0
    ) -> TranscriptEntry | None:
        """``add`` for messages nobody waits on (automated, bots, surveys): when the window
        has no room the message is skipped and logged, not refused."""
        try:
            return self.add(conversation, entry, keep=keep)
        except WindowClosedError as refusal:
            log.info("%s for %s skipped: %s", what, conversation.id, refusal.message)
            return None

    def give_back(self, conversation: Conversation) -> None:
        """Return a slot: the message will certainly not reach the customer."""

        def release(window: ReplyWindow) -> ReplyWindow | None:
            return window.model_copy(update={"sent": window.sent - 1}) if window.sent > 0 else None

        self._conversations.change_window(conversation.account_id, conversation.open_id, release)

    def customer_wrote(self, account_id: str, open_id: str, at: datetime) -> None:
        """A customer message opens a fresh window (and quota)."""

        def reopen(window: ReplyWindow) -> ReplyWindow | None:
            if window.last_customer_message_at and window.last_customer_message_at >= at:
                return None
            return window.model_copy(update={"last_customer_message_at": at, "sent": 0})

        self._conversations.change_window(account_id, open_id, reopen)
