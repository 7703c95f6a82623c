"""The bot step: a new conversation's messages go to the workstream's bot before routing.

The bot replies, sets context variables, escalates (routing then runs, and rules can use the
variables) or ends the conversation. If it fails — a timeout, an error, an unsigned answer —
the conversation is escalated: the customer is never left without an answer. Replies are
keyed by the message they answer, so a redelivered queue message adds none twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from shared.bots.faq import faq_actions
from shared.bots.webhook import WebhookClient
from shared.core.log_dimensions import add_log_dimensions
from shared.core.secretbox import SecretBoxError
from shared.messaging.automated import REPLY_RANK, outbound_entry
from shared.messaging.outbox import Outbox
from shared.model.bot_actions import (
    Action,
    BotFailureError,
    End,
    Escalate,
    Reply,
    SetContext,
    escalation,
)
from shared.model.bots import FaqBot, WebhookBot
from shared.model.conversations import (
    Conversation,
    ConversationState,
    Customer,
    TranscriptEntry,
    TranscriptEntryView,
    customer_words,
    utc,
)
from shared.model.timeline import EventKind
from shared.model.workstreams import Workstream
from shared.pipeline.assign import AssignStep
from shared.store.catalog import RoutingCatalog
from shared.store.conversations import ConversationStore
from shared.store.sealed import SealedStore
from shared.store.timeline import UNRECORDED, TimelineStore
from shared.store.work_items import RouteItem
from shared.store.work_queues import WorkQueue

log = logging.getLogger(__name__)

HISTORY = 20  # transcript lines a webhook bot gets with the new message


class BotStep:
    def __init__(
        self,
        catalog: RoutingCatalog,
        conversations: ConversationStore,
        outbox: Outbox,
        assign_step: AssignStep,
        route_queue: WorkQueue[RouteItem],
        secrets: SealedStore,
        webhook: WebhookClient,
        clock: Callable[[], float] = time.time,
        timeline: TimelineStore = UNRECORDED,
    ) -> None:
        self._timeline = timeline
        self._catalog = catalog
        self._conversations = conversations
        self._outbox = outbox
        self._assign_step = assign_step
        self._route = route_queue
        self._secrets = secrets
        self._webhook = webhook
        self._clock = clock

    def handle(self, conversation_id: str, key: str) -> None:
        conversation = self._conversations.get(conversation_id)
        if (
            conversation is None
            or conversation.state is not ConversationState.OPEN
            or conversation.queue_id
            or conversation.bot in ("escalated", "ended")
        ):
            return
        add_log_dimensions(account_id=conversation.account_id)
        workstream = self._catalog.workstream_for_account(conversation.account_id)
        entry = self._conversations.entry(conversation_id, key)
        if workstream is None or workstream.bot is None or entry is None:
            self._route.put(RouteItem(conversation_id=conversation_id))
            return
        if conversation.bot is None:
            conversation = (
                self._conversations.change(
                    conversation_id, lambda c: {"bot": "active"} if c.bot is None else None
                )
                or conversation
            )
        # At the line the bot is asked about, so a rerun of the step finds these events there.
        asked = partial(self._timeline.record, conversation_id, at=entry.received_at, about=key)
        asked(EventKind.BOT_ASKED, entry_key=key, text=type(workstream.bot).__name__)
        try:
            actions = self._ask(workstream, conversation, entry)
        except BotFailureError as failure:
            log.warning("bot of %s failed: %s", workstream.id, failure.reason)
            actions = [escalation(f"The bot failed ({failure.reason})", entry.text)]
            asked(EventKind.BOT_ANSWERED, outcome="failed", text=failure.reason[:200])
        else:
            asked(EventKind.BOT_ANSWERED, outcome=", ".join(a.type for a in actions) or "nothing")
        self._apply(conversation, workstream, entry, actions)

    def _ask(
        self, workstream: Workstream, conversation: Conversation, entry: TranscriptEntry
    ) -> list[Action]:
        bot = workstream.bot
        if isinstance(bot, FaqBot):
            text = customer_words(entry)
            return faq_actions(bot, text, workstream.language)
        if not isinstance(bot, WebhookBot):
            raise BotFailureError(f"unknown bot type {type(bot).__name__}")
        try:
            secret = self._secrets.get(workstream.id)
        except SecretBoxError:
            raise BotFailureError("the bot's stored secret does not open; save it again") from None
        if secret is None:
            raise BotFailureError("no secret is stored for the webhook bot")
        history, _ = self._conversations.transcript(conversation.id, limit=HISTORY)
        payload = _payload(conversation, entry, history)
        customer = self._conversations.customer(conversation.account_id, conversation.open_id)
        payload["customer"] = customer_context(customer)
        return self._webhook.ask(bot, secret, payload)

    def _apply(
        self,
        conversation: Conversation,
        workstream: Workstream,
        entry: TranscriptEntry,
        actions: list[Action],
    ) -> None:
        for index, action in enumerate(actions):
            if isinstance(action, Reply):
                self._reply(conversation, entry, action, index)
            elif isinstance(action, SetContext):
                conversation = (
                    self._conversations.change(conversation.id, _set_context(action.variables))
                    or conversation
                )
            elif isinstance(action, Escalate):
                self._conversations.change(conversation.id, _escalated(action.summary))
                self._timeline.record(
                    conversation.id, EventKind.BOT_ESCALATED, entry.received_at, about=entry.key
                )
                self._route.put(RouteItem(conversation_id=conversation.id))
                return
            elif isinstance(action, End):
                current = self._conversations.change(conversation.id, lambda c: {"bot": "ended"})
                self._timeline.record(
                    conversation.id, EventKind.BOT_ENDED, entry.received_at, about=entry.key
                )
                if current is not None:
                    self._assign_step.close(current, reason="bot_ended", farewell=True)
                return

    def _reply(
        self, conversation: Conversation, entry: TranscriptEntry, reply: Reply, index: int
    ) -> None:
        at = entry.received_at
        fields: dict[str, Any] = (
            {"type": "text", "text": reply.text}
            if reply.text is not None
            else {"type": "image", "media_id": reply.image.media_id if reply.image else None}
        )
        line = outbound_entry(
            conversation.id,
            at,
            REPLY_RANK,
            f"bot-{entry.key}-{index:02d}",
            sender="bot",
            received_at=utc(self._clock()),
            **fields,
        )
        self._outbox.offer(conversation, line, "bot reply")


def _set_context(variables: Mapping[str, Any]) -> Callable[[Conversation], dict[str, Any]]:
    """The change that adds ``variables`` to a conversation's context."""
    return lambda c: {"context": {**c.context, **variables}}


def _escalated(summary: str) -> Callable[[Conversation], dict[str, Any] | None]:
    """The change that hands a conversation from its bot to people (once)."""
    return lambda c: (
        {"bot": "escalated", "bot_summary": summary or None} if c.bot != "escalated" else None
    )


def _payload(
    conversation: Conversation, entry: TranscriptEntry, history: list[TranscriptEntry]
) -> dict[str, Any]:
    """What a webhook bot receives: the conversation, the new message and recent lines."""
    return {
        "conversation": {
            "id": conversation.id,
            "accountId": conversation.account_id,
            "openId": conversation.open_id,
            "state": conversation.state.value,
            "context": conversation.context,
            "createdAt": conversation.created_at.isoformat(),
        },
        "message": TranscriptEntryView.of(entry).json_body(),
        "history": [TranscriptEntryView.of(line).json_body() for line in history],
    }


def customer_context(customer: Customer | None) -> dict[str, Any]:
    """What a webhook bot is told of the customer: their WeChat profile as far as it is known
    (the fields routing rules read as ``customer.*``)."""
    if customer is None:
        customer = Customer(account_id="", open_id="")
    return {
        "subscribed": customer.subscribed,
        "scene": customer.scene,
        "remark": customer.remark,
        "tags": list(customer.tags),
        "tagIds": list(customer.tag_ids),
        "unionId": customer.union_id,
    }
