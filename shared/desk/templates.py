"""Template messages at the desk: when WeChat's reply window has closed, the conversation's
agent may send one of the account's approved templates instead (docs/protocol.md §6.3). The
fields are checked against the registered template and one send is counted against the
template's daily quota before anything is queued; the send step delivers it in its turn,
without a reply-window slot."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from datetime import datetime

from shared.core.errors import ConflictError, ForbiddenError, InvalidRequestError, not_found
from shared.desk.workspace import SENDABLE_STATES, Actor
from shared.messaging.automated import REPLY_RANK, outbound_entry
from shared.model.conversations import Conversation, TranscriptEntry, utc
from shared.model.templates import (
    TEMPLATE_TYPE,
    Template,
    TemplateSendRequest,
    TemplateView,
    filled,
    template_spec,
    template_text,
    wechat_day,
)
from shared.store.changes import ChangeFeed
from shared.store.conversations import ConversationStore
from shared.store.templates import TemplateStore
from shared.store.work_items import OutboundItem
from shared.store.work_queues import WorkQueue

_SEQUENCE = itertools.count(time.time_ns() // 1000)


class TemplateMessages:
    def __init__(
        self,
        conversations: ConversationStore,
        templates: TemplateStore,
        send_queue: WorkQueue[OutboundItem],
        feed: ChangeFeed,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._conversations = conversations
        self._templates = templates
        self._send_queue = send_queue
        self._feed = feed
        self._clock = clock

    def _now(self) -> datetime:
        return utc(self._clock())

    def offered(self, actor: Actor, conversation_id: str) -> list[TemplateView]:
        """The account's enabled templates, with today's sends of each."""
        conversation = self._visible(actor, conversation_id)
        day = wechat_day(self._now())
        return [
            TemplateView.of(t, self._templates.sent_on(t.account_id, t.template_id, day))
            for t in self._templates.list(conversation.account_id)
            if t.enabled
        ]

    def send(
        self, actor: Actor, conversation_id: str, request: TemplateSendRequest
    ) -> TranscriptEntry:
        """Queue the filled template → its transcript line (``queued``)."""
        agent = actor.require_agent()
        conversation = self._visible(actor, conversation_id)
        if conversation.agent_id != agent.id:
            raise ForbiddenError("only the conversation's agent can send it a template")
        if conversation.state not in SENDABLE_STATES:
            raise ConflictError(
                f"the conversation is {conversation.state.value}", code="not_active"
            )
        template = self._approved(conversation, request.template_id)
        try:
            values = filled(template, request.fields)
        except ValueError as error:
            field = str(error).split(" ", 1)[0]
            raise InvalidRequestError(str(error), field=field) from None
        now = self._now()
        day = wechat_day(now)
        if (
            self._templates.take_send(
                template.account_id, template.template_id, day, template.daily_quota
            )
            is None
        ):
            raise ConflictError(
                f"template {template.template_id} has been sent {template.daily_quota} times "
                "today, its daily quota: try again tomorrow (China time) or ask an admin",
                code="template_quota",
                field="templateId",
            )
        entry = outbound_entry(
            conversation.id,
            now,
            REPLY_RANK,
            f"{next(_SEQUENCE):018d}",
            sender=f"agent:{agent.id}",
            type=TEMPLATE_TYPE,
            text=template_text(template, values),
            details={"template": template_spec(template), "fields": values, "quotaDay": day},
        )
        try:
            self._conversations.append(entry)
        except Exception:
            # Not queued: the send it counted will not happen.
            self._templates.give_back_send(template.account_id, template.template_id, day)
            raise
        self._send_queue.put(OutboundItem(conversation_id=conversation.id))
        self._feed.conversations(conversation)
        return entry

    def _visible(self, actor: Actor, conversation_id: str) -> Conversation:
        conversation = self._conversations.get(conversation_id)
        if conversation is None or not actor.can_see(conversation):
            raise not_found(f"conversation {conversation_id}")
        return conversation

    def _approved(self, conversation: Conversation, template_id: str) -> Template:
        template = self._templates.get(conversation.account_id, template_id)
        if template is None:
            raise InvalidRequestError(
                f"templateId {template_id} is not a template of this account",
                field="templateId",
            )
        if not template.enabled:
            raise InvalidRequestError(
                f"template {template_id} is not approved for sending", field="templateId"
            )
        return template
