"""The route step: classify a new conversation into a queue and check the queue can take it.

Classification rulesets (each's first match sets ``classification.<name>`` variables, kept in
the conversation's context under ``classification``), then routing rules (first match whose
queue is not overflowing; a rule may split by percent) → queue, else the workstream's fallback
queue. Outside the queue's hours
or on a holiday, and when more conversations wait than the queue allows, the queue's handling
applies: queue anyway, transfer to another queue, or end the conversation — each with the
matching automated message. Idempotent: a conversation that already has a queue is left alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple
from zoneinfo import ZoneInfo

from shared.core.log_dimensions import add_log_dimensions
from shared.core.telemetry import traced
from shared.messaging.automated import AutomatedMessenger
from shared.model.classification import NOTHING, Classified, classify_conversation
from shared.model.conditions import RoutingContext
from shared.model.conversations import Conversation, ConversationState, customer_words, utc
from shared.model.hours import HoursStatus
from shared.model.queues import Handling, OverflowAction, Queue
from shared.model.rules import RoutingRule
from shared.model.skills import RequiredSkill, combined
from shared.model.timeline import EventKind
from shared.model.workstreams import AutomatedMessage, DistributionMode, Workstream
from shared.store.catalog import RoutingCatalog
from shared.store.conversations import ConversationStore
from shared.store.optimistic import ChangedError, retried
from shared.store.timeline import UNRECORDED, TimelineStore
from shared.store.waiting import WaitingLine
from shared.store.work_items import AssignItem
from shared.store.work_queues import Receipt, WorkQueue

log = logging.getLogger(__name__)

MAX_TRANSFERS = 3


@dataclass(frozen=True)
class Placement:
    queue: Queue
    priority: int
    rule: str | None
    skills: tuple[RequiredSkill, ...]


CLASSIFICATION_KEY = "classification"
"""Where the conversation's context keeps the ruleset outputs, for supervisors and agents."""


@dataclass(frozen=True)
class Skip:
    rule: str
    queue_id: str
    reason: str
    """``overflowing``: more wait in the queue than its overflow allows."""


@dataclass(frozen=True)
class Choice:
    rule: RoutingRule | None
    """The rule that placed it; None: the fallback queue did."""
    queue: Queue | None
    classified: Classified = NOTHING
    skipped: tuple[Skip, ...] = ()


def overflowing(waiting: WaitingLine) -> Callable[[Queue], bool]:
    def check(queue: Queue) -> bool:
        limit = queue.overflow.max_waiting
        return limit is not None and waiting.has_at_least(queue.id, limit)

    return check


def choose_queue(
    workstream: Workstream,
    context: Callable[[], RoutingContext],
    find_queue: Callable[[str], Queue | None],
    conversation_id: str,
    is_overflowing: Callable[[Queue], bool] = lambda _: False,
    rules: Sequence[RoutingRule] | None = None,
) -> Choice:
    """Classify, then the first matching rule whose queue is not overflowing and the queue it
    sends to (an allocation picks by the conversation id). A rule whose queue is gone sends to
    the fallback queue; when every matching rule's queue overflows, the first of them takes it
    and its overflow handling applies. Shared by routing and its dry run."""
    rules = workstream.routing_rules if rules is None else rules
    rulesets = workstream.classification_rulesets
    if not rules and not rulesets:  # no need to read what they would test
        return Choice(None, find_queue(workstream.fallback_queue_id))
    classified, seen = classify_conversation(rulesets, context())
    skipped: list[Skip] = []
    first: tuple[RoutingRule, Queue] | None = None
    for rule in rules:
        if not rule.condition.evaluate(seen):
            continue
        queue = find_queue(rule.queue_for(conversation_id))
        if queue is None:
            return Choice(rule, find_queue(workstream.fallback_queue_id), classified, (*skipped,))
        if is_overflowing(queue):
            skipped.append(Skip(rule.name, queue.id, "overflowing"))
            first = first or (rule, queue)
            continue
        return Choice(rule, queue, classified, tuple(skipped))
    if first is not None:
        return Choice(first[0], first[1], classified, tuple(skipped))
    return Choice(None, find_queue(workstream.fallback_queue_id), classified, tuple(skipped))


def _why(choice: Choice) -> str:
    """A note for the timeline: the classification and the skipped rules."""
    parts = [f"{name}={value}" for name, value in choice.classified.outputs.items()]
    parts += [f"skipped {skip.rule} ({skip.queue_id} {skip.reason})" for skip in choice.skipped]
    return "; ".join(parts)[:500]


class Routed(NamedTuple):
    queue_id: str | None
    """The queue the conversation waits in; None when it was not routed."""
    assign_request: Receipt | None
    """The assign request queued for it (push distribution)."""


NOT_ROUTED = Routed(None, None)


class RouteStep:
    def __init__(
        self,
        catalog: RoutingCatalog,
        conversations: ConversationStore,
        waiting: WaitingLine,
        messenger: AutomatedMessenger,
        assign_queue: WorkQueue[AssignItem],
        clock: Callable[[], float] = time.time,
        timeline: TimelineStore = UNRECORDED,
    ) -> None:
        self._timeline = timeline
        self._catalog = catalog
        self._conversations = conversations
        self._waiting = waiting
        self._messenger = messenger
        self._assign_queue = assign_queue
        self._clock = clock

    def route(self, conversation_id: str) -> str | None:
        """Route one conversation; returns the queue it waits in, if any."""
        return self.route_and_ask(conversation_id).queue_id

    @traced("route")
    def route_and_ask(self, conversation_id: str, *, assign_delay: int | None = None) -> Routed:
        """``route``, and the receipt of the assign request it queued (hidden ``assign_delay``
        seconds): a caller that assigns at once withdraws it when that worked. A lost race
        (another step changed the conversation meanwhile) reads it again, so routing ends only
        when the conversation has a queue or is no longer open."""
        now = utc(self._clock())  # one time for every attempt: the messages' keys repeat

        def attempt() -> Routed:
            conversation = self._conversations.get(conversation_id)
            if conversation is None or conversation.state is not ConversationState.OPEN:
                return NOT_ROUTED
            add_log_dimensions(account_id=conversation.account_id, conversation_id=conversation.id)
            if conversation.queue_id:
                return self._requeue(conversation, assign_delay)
            return self._route(conversation, now, assign_delay)

        return retried(attempt, exhausted=ChangedError(conversation_id))

    def _ask_for_assignment(
        self, conversation: Conversation, workstream: Workstream, delay: int | None
    ) -> Routed:
        if workstream.distribution_mode is not DistributionMode.PUSH:
            return Routed(conversation.queue_id, None)
        asked = self._assign_queue.put(
            AssignItem(conversation_id=conversation.id), delay_seconds=delay
        )
        return Routed(conversation.queue_id, asked)

    def _requeue(self, conversation: Conversation, assign_delay: int | None) -> Routed:
        """A routed conversation met again (a redelivered request): what a run that died after
        saving its queue left undone — its place in the line and, in push mode, the assign
        request — is done again; both are idempotent."""
        self._waiting.add(conversation)
        workstream = self._catalog.workstream(conversation.workstream_id or "")
        if workstream is None:
            return Routed(conversation.queue_id, None)
        return self._ask_for_assignment(conversation, workstream, assign_delay)

    def _route(self, conversation: Conversation, now: datetime, assign_delay: int | None) -> Routed:
        workstream = self._catalog.workstream_for_account(conversation.account_id)
        if workstream is None:
            log.warning(
                "account %s has no workstream: %s stays unrouted",
                conversation.account_id,
                conversation.id,
            )
            return NOT_ROUTED
        choice = choose_queue(
            workstream,
            lambda: self.context(conversation, workstream, now),
            self._catalog.queue,
            conversation.id,
            overflowing(self._waiting),
        )
        rule, queue = choice.rule, choice.queue
        if queue is None:
            log.error("workstream %s: its fallback queue is gone", workstream.id)
            return NOT_ROUTED

        # The greeting comes first; its key is the conversation's start, so a rerun adds none.
        self._messenger.send(
            conversation, workstream, AutomatedMessage.GREETING, at=conversation.created_at
        )
        placement = self._place(conversation, workstream, queue, rule, now)
        if placement is None:
            return NOT_ROUTED
        classified = choice.classified.outputs
        context = {**conversation.context, CLASSIFICATION_KEY: classified} if classified else None
        routed = self._conversations.save(
            conversation,
            **({"context": context} if context is not None else {}),
            workstream_id=workstream.id,
            queue_id=placement.queue.id,
            priority=placement.priority,
            rule=placement.rule,
            skills=list(placement.skills),
            units=workstream.capacity_units,
            enqueued_at=now,
            updated_at=now,
        )
        self._waiting.add(routed)
        self._timeline.record(
            routed.id,
            EventKind.ROUTED,
            now,
            about=placement.queue.id,
            outcome=placement.rule or "fallback queue",
            rule=placement.rule,
            queue_id=placement.queue.id,
            text=_why(choice) or None,
        )
        if workstream.message(AutomatedMessage.QUEUED):  # the position costs a scan of the line
            self._messenger.send(
                routed,
                workstream,
                AutomatedMessage.QUEUED,
                at=routed.enqueued_at or now,
                Position=self._waiting.position(routed),
            )
        return self._ask_for_assignment(routed, workstream, assign_delay)

    def context(
        self, conversation: Conversation, workstream: Workstream, now: datetime
    ) -> RoutingContext:
        first = self._conversations.first_inbound(conversation.id)
        customer = self._conversations.customer(conversation.account_id, conversation.open_id)
        return RoutingContext(
            message_text=customer_words(first) if first else None,
            message_type=first.type if first else None,
            event_type=first.event if first else None,
            event_key=(first.push_fields.get("event_key") or None) if first else None,
            open_id=conversation.open_id,
            tags=tuple(customer.tags) if customer else (),
            scene=customer.scene if customer else None,
            account_id=conversation.account_id,
            local_time=now.astimezone(ZoneInfo(workstream.time_zone)),
            variables=conversation.context,
            remark=customer.remark if customer else None,
            union_id=customer.union_id if customer else None,
        )

    def _place(
        self,
        conversation: Conversation,
        workstream: Workstream,
        queue: Queue,
        rule: RoutingRule | None,
        now: datetime,
    ) -> Placement | None:
        """The queue that takes the conversation after hours and overflow, or None if it ended."""
        priority = rule.priority if rule and rule.priority is not None else queue.priority

        def placed(queue: Queue) -> Placement:
            return Placement(
                queue=queue,
                priority=priority,
                rule=rule.name if rule else None,
                skills=tuple(combined(rule.skills if rule else (), workstream.required_skills)),
            )

        for _ in range(MAX_TRANSFERS + 1):
            status = (
                queue.operating_hours.status(now) if queue.operating_hours else HoursStatus.OPEN
            )
            if status is not HoursStatus.OPEN:
                kind = (
                    AutomatedMessage.HOLIDAY
                    if status is HoursStatus.HOLIDAY
                    else AutomatedMessage.OUT_OF_HOURS
                )
                self._messenger.send(conversation, workstream, kind, at=now, QueueName=queue.name)
                next_queue = self._handle(
                    conversation, queue.out_of_hours, queue, f"queue_{status.value}", now
                )
                if next_queue is None:
                    return None
                if next_queue.id != queue.id:
                    queue = next_queue
                    continue
            limit = queue.overflow.max_waiting
            if limit is not None and self._waiting.has_at_least(queue.id, limit):
                if queue.overflow.action is OverflowAction.END:
                    self._messenger.send(
                        conversation,
                        workstream,
                        AutomatedMessage.OVERFLOW_ENDED,
                        at=now,
                        QueueName=queue.name,
                    )
                next_queue = self._handle(
                    conversation, queue.overflow, queue, "queue_overflow", now
                )
                if next_queue is None:
                    return None
                if next_queue.id != queue.id:
                    queue = next_queue
                    continue
            return placed(queue)
        log.warning(
            "conversation %s: more than %d queue transfers; queued in %s",
            conversation.id,
            MAX_TRANSFERS,
            queue.id,
        )
        return placed(queue)

    def _handle(
        self,
        conversation: Conversation,
        handling: Handling,
        queue: Queue,
        reason: str,
        now: datetime,
    ) -> Queue | None:
        """Apply a queue's handling: ``queue`` itself (queue anyway), the transfer target, or
        None once the conversation is closed."""
        self._timeline.record(
            conversation.id,
            EventKind.OVERFLOW,
            now,
            about=reason + queue.id,
            outcome=handling.action.value,
            reason=reason,
            from_queue_id=queue.id,
            queue_id=handling.transfer_queue_id,
        )
        if handling.action is OverflowAction.END:
            if self._conversations.close(conversation.id, reason=reason, now=now):
                self._timeline.record(
                    conversation.id,
                    EventKind.CLOSED,
                    now,
                    about="closed",
                    outcome=reason,
                    reason=reason,
                )
            return None
        if handling.action is OverflowAction.TRANSFER:
            target = self._catalog.queue(handling.transfer_queue_id or "")
            if target is not None:
                return target
            log.warning(
                "transfer target queue %s is gone; queueing anyway", handling.transfer_queue_id
            )
        return queue
