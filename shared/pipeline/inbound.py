"""The conversation step: file a stored push into its customer's conversation.

Runs on every message of the inbound queue, at least once per push (queues redeliver, and the
callback re-enqueues retried pushes), so each effect here is idempotent: the transcript row is
keyed by the push, opening is a conditional transaction, and routing is asked for until the
conversation has a queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from shared.channel.profiles import CustomerProfiles
from shared.core.log_dimensions import add_log_dimensions
from shared.messaging.automated import AutomatedMessenger
from shared.messaging.outbox import Outbox
from shared.messaging.surveys import Surveys
from shared.model.conversations import (
    Conversation,
    ConversationState,
    LineSummary,
    TranscriptEntry,
    belongs_in_transcript,
    opens_conversation,
    transcript_entry,
    utc,
)
from shared.model.customer_profiles import scanned
from shared.model.timeline import EventKind
from shared.model.workstreams import AutomatedMessage, Workstream
from shared.pipeline.assign import AssignStep, Outcome
from shared.pipeline.menu_answers import MenuAnswers
from shared.pipeline.route import RouteStep
from shared.store.catalog import RoutingCatalog
from shared.store.conversations import ConversationStore
from shared.store.inbound import InboundPush, InboundStore
from shared.store.timeline import UNRECORDED, TimelineStore
from shared.store.work_items import AssignItem, BotItem, MediaItem, RouteItem
from shared.store.work_queues import Receipt, WorkQueue
from shared.wechat import (
    ImageMessage,
    InboundMessage,
    JobFinishEvent,
    Message,
    ScanEvent,
    ShortVideoMessage,
    SubscribeEvent,
    TextMessage,
    UnsubscribeEvent,
    VideoMessage,
    VoiceMessage,
    parse_message,
)

MEDIA_MESSAGES = (ImageMessage, VoiceMessage, VideoMessage, ShortVideoMessage)
"""Media that WeChat keeps for 3 days only: the media step copies them to Blob storage."""

log = logging.getLogger(__name__)

FALLBACK_DELAY = 5
"""Seconds the route and assign requests of ``take_and_route`` stay hidden: time for the step
to do their work itself and withdraw them before a listener takes one for nothing; should the
step die, they are what picks the conversation up after that long."""


class InboundStep:
    def __init__(
        self,
        inbound: InboundStore,
        conversations: ConversationStore,
        assign_step: AssignStep,
        outbox: Outbox,
        catalog: RoutingCatalog,
        messenger: AutomatedMessenger,
        surveys: Surveys,
        router: RouteStep,
        route_queue: WorkQueue[RouteItem],
        assign_queue: WorkQueue[AssignItem],
        media_queue: WorkQueue[MediaItem],
        bot_queue: WorkQueue[BotItem],
        clock: Callable[[], float] = time.time,
        timeline: TimelineStore = UNRECORDED,
        takes_new_conversations: Callable[[str], bool] = lambda account_id: True,
        template_reports: Callable[[str, int | None, str], object] | None = None,
        profiles: CustomerProfiles | None = None,
    ) -> None:
        """``takes_new_conversations``: whether the account's channel opens new conversations
        (not while it drains or is inactive: shared/channel/draining.py). ``template_reports``
        takes WeChat's delivery reports of template messages (docs/protocol.md §6.3).
        ``profiles``: reads the customer's WeChat profile once the push is filed, before
        routing (None: never)."""
        self._template_reports = template_reports
        self._profiles = profiles
        self._takes_new = takes_new_conversations
        self._timeline = timeline
        self._inbound = inbound
        self._conversations = conversations
        self._assign_step = assign_step
        self._outbox = outbox
        self._catalog = catalog
        self._messenger = messenger
        self._surveys = surveys
        self._route_step = router
        self._route = route_queue
        self._assign = assign_queue
        self._media = media_queue
        self._bot = bot_queue
        self._clock = clock
        self._answers = MenuAnswers(conversations)

    def take(self, account_id: str, key: str) -> str | None:
        """File one push; returns the conversation id it went to, if any."""
        return self._take(account_id, key, route_delay=None)[0]

    def take_and_route(self, account_id: str, key: str) -> str | None:
        """``take``, then route a conversation that asked for it and assign it at once, rather
        than two queue hops later: a customer reaches an agent's console within a second or so.
        The queued route and assign requests are the durable path: each is withdrawn once the
        work it asks for is done here; should this attempt die or fail, their steps do it."""
        conversation_id, route_request = self._take(account_id, key, route_delay=FALLBACK_DELAY)
        if conversation_id is None or route_request is None:
            return conversation_id
        try:
            routed = self._route_step.route_and_ask(conversation_id, assign_delay=FALLBACK_DELAY)
        except Exception as error:  # the queued route request is the fallback: never fail here
            log.warning(
                "conversation %s: routing at once failed (%s); the route step will",
                conversation_id,
                type(error).__name__,
            )
            return conversation_id
        if routed.queue_id is None:
            return conversation_id
        self._route.withdraw(route_request)
        if routed.assign_request is None:
            return conversation_id
        try:
            if self._assign_step.assign(conversation_id) in (Outcome.ASSIGNED, Outcome.OFFERED):
                self._assign.withdraw(routed.assign_request)
        except Exception as error:  # the queued assign request will
            log.warning(
                "conversation %s: assigning at once failed (%s); the assign step will",
                conversation_id,
                type(error).__name__,
            )
        return conversation_id

    def _take(
        self, account_id: str, key: str, *, route_delay: int | None
    ) -> tuple[str | None, Receipt | None]:
        """(the conversation the push went to, the route request if routing was asked for)."""
        push = self._inbound.get(account_id, key)
        if push is None:
            log.warning("inbound push %s/%s is gone (erased?); nothing to do", account_id, key)
            return None, None
        message = parse_message(push.xml)
        open_id = message.from_user_name
        now = utc(self._clock())
        at = utc(message.create_time)
        from_customer = isinstance(message, Message)
        workstream = self._catalog.workstream_for_account(account_id)

        if isinstance(message, (SubscribeEvent, UnsubscribeEvent)):
            self._conversations.record_subscription(
                account_id,
                open_id,
                subscribed=isinstance(message, SubscribeEvent),
                at=message.create_time,
                scene=getattr(message, "scene", None),
            )
        if self._template_reports is not None and isinstance(message, JobFinishEvent):
            if message.event == "templatesendjobfinish":
                self._template_reports(account_id, message.msg_id, message.status)
            return None, None
        if isinstance(message, ScanEvent):
            scene, scanned_at = message.scene, message.create_time
            self._conversations.change_customer(
                account_id, open_id, lambda c: scanned(c, scene, scanned_at)
            )
        if from_customer:
            self._outbox.customer_wrote(account_id, open_id, at)
            text = message.content if isinstance(message, TextMessage) else None
            rated = self._surveys.take_answer(account_id, open_id, text, workstream, at)
            if rated is not None:  # the answer to a rating survey, not a new conversation
                self._filed(push, self._append(rated, message, push.received_at, key)[0])
                return rated.id, None

        created = False
        conversation: Conversation | None
        if opens_conversation(message) and self._takes_new(account_id):
            conversation, created = self._conversations.open_for(account_id, open_id, now)
        else:
            conversation = self._conversations.current(account_id, open_id)
            if conversation is None and opens_conversation(message):
                log.info(
                    "account %s takes no new conversations: push %s kept only", account_id, key
                )
        if conversation is None or not belongs_in_transcript(message):
            self._read_profile(account_id, open_id, message)
            return (conversation.id if conversation else None), None
        add_log_dimensions(conversation_id=conversation.id)

        entry, new_line = self._append(conversation, message, push.received_at, key)
        self._filed(push, entry, opened=created)
        if created:
            self._notice_once(conversation, workstream, entry)
        if isinstance(message, MEDIA_MESSAGES):
            self._media.put(MediaItem(conversation_id=conversation.id, key=entry.key))

        def touch(current: Conversation) -> dict[str, Any]:
            changes: dict[str, Any] = {}
            last = current.last_customer_line
            # A line is counted once: when its row is new, or, when a rerun finds the row made
            # by a run that died before this write, because it is later than the last counted.
            if new_line or last is None or entry.key > last.id:
                changes["customer_lines"] = current.customer_lines + 1
            if last is None or entry.key > last.id:
                changes["last_customer_line"] = LineSummary.of(entry)
            if current.last_activity_at < at:
                changes["last_activity_at"] = at
            if from_customer and (
                current.last_customer_message_at is None or current.last_customer_message_at < at
            ):
                changes["last_customer_message_at"] = at
            if changes:
                changes["updated_at"] = now
            return changes

        conversation = (
            self._conversations.change(conversation.id, touch, current=conversation) or conversation
        )
        # Filed first, so WeChat's silence cannot hold the line back; routed after, so rules
        # see the profile (one about to be routed waits for another worker's fetch of it too).
        unrouted = conversation.state is ConversationState.OPEN and conversation.queue_id is None
        self._read_profile(account_id, open_id, message, wait=unrouted)

        if isinstance(message, UnsubscribeEvent):
            # Nothing more can reach the customer: no farewell, no survey.
            self._assign_step.close(conversation, reason="customer_unsubscribed", farewell=False)
            return conversation.id, None
        if conversation.state is ConversationState.OPEN and conversation.queue_id is None:
            if workstream and workstream.bot and conversation.bot not in ("escalated", "ended"):
                self._bot.put(BotItem(conversation_id=conversation.id, key=entry.key))
            else:
                asked = self._route.put(
                    RouteItem(conversation_id=conversation.id), delay_seconds=route_delay
                )
                return conversation.id, asked
        elif conversation.state is ConversationState.WAITING and from_customer:
            self._assign.put(AssignItem(conversation_id=conversation.id))  # revive it
        return conversation.id, None

    def _read_profile(
        self, account_id: str, open_id: str, message: InboundMessage, *, wait: bool = False
    ) -> None:
        """The customer's WeChat profile, when due, for a push in which they reached out or
        followed (not a location report, nor an unfollow: WeChat would say nothing more)."""
        if self._profiles is None or isinstance(message, UnsubscribeEvent):
            return
        if isinstance(message, (Message, SubscribeEvent)) or opens_conversation(message):
            self._profiles.refresh(account_id, open_id, wait=wait)

    def _append(
        self, conversation: Conversation, message: InboundMessage, received_at: datetime, key: str
    ) -> tuple[TranscriptEntry, bool]:
        """The line and whether it is new (not there from an earlier run of this push)."""
        entry = transcript_entry(conversation.id, message, received_at=received_at, inbound_key=key)
        entry = self._answers.linked(entry, message)
        new_line = self._conversations.append(entry)
        self._answers.record(entry)
        return entry, new_line

    def _filed(self, push: InboundPush, entry: TranscriptEntry, *, opened: bool = False) -> None:
        """The push's arrival, its filing and WeChat's retries of it, on the timeline; all at
        times the push row holds, so a redelivery finds the same events there."""
        record, cid, key = self._timeline.record, entry.conversation_id, push.key
        record(cid, EventKind.RECEIVED, push.received_at, about=key, message_type=entry.type)
        outcome = "opened the conversation" if opened else "added"
        record(
            cid,
            EventKind.FILED,
            push.received_at,
            about=key,
            outcome=outcome,
            entry_key=entry.key,
            opened=opened,
        )
        if push.retries and push.retried_at is not None:
            about, retries = f"{key}#{push.retries}", push.retries
            record(cid, EventKind.DUPLICATE, push.retried_at, about=about, retries=retries)

    def _notice_once(
        self, conversation: Conversation, workstream: Workstream | None, entry: TranscriptEntry
    ) -> None:
        """The workstream's privacy notice, once per customer, before anything else is said:
        keyed at the customer's first message with the lowest rank. Sent before the customer
        is marked, so a crash in between sends it again rather than never (the key dedupes)."""
        if workstream is None or not workstream.message(AutomatedMessage.PRIVACY_NOTICE):
            return
        customer = self._conversations.customer(conversation.account_id, conversation.open_id)
        if customer is not None and customer.notice_sent_at is not None:
            return
        self._messenger.send(
            conversation, workstream, AutomatedMessage.PRIVACY_NOTICE, at=entry.received_at
        )
        now = utc(self._clock())
        self._conversations.change_customer(
            conversation.account_id,
            conversation.open_id,
            lambda c: (
                c.model_copy(update={"notice_sent_at": now}) if c.notice_sent_at is None else None
            ),
        )
