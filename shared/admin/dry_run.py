"""Routing's dry run: which rule a sample customer message matches and which queue it goes to.

The admin tries rules before customers meet them, the saved ones or the editor's unsaved
list. Nothing is stored and no message is sent: the sample is turned into the same
``RoutingContext`` the route step builds and goes through the same ``choose_queue``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator

from shared.core.errors import (
    ConflictError,
    InvalidRequestError,
    not_found,
    unknown_reference,
)
from shared.core.schema import ApiModel, ViewModel
from shared.model.classification import ClassificationRuleset, OutputValue, check_rulesets
from shared.model.conditions import (
    CASE_INSENSITIVE_FIELDS,
    CLASSIFICATION_NAME,
    CLASSIFICATION_PREFIX,
    CONTEXT_NAME,
    CONTEXT_PREFIX,
    FIELDS,
    MAX_COMPARISONS,
    MAX_DEPTH,
    MAX_PATTERN,
    OPERATORS,
    RoutingContext,
    operators_for,
)
from shared.model.conversations import WORDED_TYPES, utc
from shared.model.hours import HoursStatus
from shared.model.rules import RoutingRule, check_rule_names_unique
from shared.model.workstreams import Workstream, check_routing_reads
from shared.pipeline.route import choose_queue, overflowing
from shared.store.catalog import RoutingCatalog
from shared.store.waiting import WaitingLine

SAMPLE_OPEN_ID = "oSampleCustomerForRouteTest"
SAMPLE_CONVERSATION_ID = "route-test"

ContextValue = Annotated[str, Field(max_length=2000)] | int | float | bool


class SampleMessage(ApiModel):
    """The customer's first message as WeChat would push it (type and event lower-cased, as the
    intake keeps them). As in routing, ``text`` counts only for types text and voice (its
    recognition)."""

    type: Annotated[str, Field(min_length=1, max_length=32)] = "text"
    """text, image, voice, video, shortvideo, location, link or event."""
    text: Annotated[str, Field(max_length=2000)] | None = None
    event: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    """With type event: subscribe, click, view, scan …"""
    event_key: Annotated[str, Field(max_length=256)] | None = None

    @field_validator("type", "event")
    @classmethod
    def _lower(cls, value: str | None) -> str | None:
        return value.lower() if value is not None else None


class RouteTestRequest(ApiModel):
    message: SampleMessage = SampleMessage()
    context: Annotated[
        dict[Annotated[str, Field(max_length=64)], ContextValue], Field(max_length=50)
    ] = {}
    """Context variables, as a bot would have set them (``context.<name>`` in conditions)."""
    tags: Annotated[list[Annotated[str, Field(max_length=100)]], Field(max_length=100)] = []
    scene: Annotated[str, Field(max_length=256)] | None = None
    remark: Annotated[str, Field(max_length=30)] | None = None
    union_id: Annotated[str, Field(max_length=128)] | None = None
    open_id: Annotated[str, Field(min_length=1, max_length=128)] = SAMPLE_OPEN_ID
    at: datetime | None = None
    """When the message arrives, ISO 8601; without an offset, the workstream's local time.
    Absent: now."""
    routing_rules: Annotated[list[RoutingRule], Field(max_length=200)] | None = None
    """Rules to try instead of the saved ones (the editor's unsaved list)."""
    classification_rulesets: Annotated[list[ClassificationRuleset], Field(max_length=20)] | None = (
        None
    )
    """Rulesets to try instead of the saved ones."""
    conversation_id: Annotated[str, Field(min_length=1, max_length=128)] = SAMPLE_CONVERSATION_ID
    """Picks the share of a percentage allocation, as a conversation's id does."""

    @field_validator("routing_rules")
    @classmethod
    def _rules(cls, rules: list[RoutingRule] | None) -> list[RoutingRule] | None:
        return check_rule_names_unique(rules) if rules is not None else None

    @field_validator("classification_rulesets")
    @classmethod
    def _rulesets(
        cls, rulesets: list[ClassificationRuleset] | None
    ) -> list[ClassificationRuleset] | None:
        if rulesets is not None:
            check_rulesets(rulesets)
        return rulesets


class SkippedRule(ViewModel):
    rule: str
    queue_id: str
    reason: str
    """overflowing: more conversations wait in the queue than its overflow allows."""


class MatchedRuleset(ViewModel):
    ruleset: str
    rule: str


class RouteTestResult(ViewModel):
    rule: str | None = None
    """The name of the first rule that matched; absent: none did."""
    rule_index: int | None = None
    """Its place in the list, from 0."""
    queue_id: str
    queue_name: str
    fallback: bool
    """Whether the workstream's fallback queue took it (no rule matched, or the rule's queue is
    gone)."""
    local_time: datetime
    """The time the rules saw (time.weekday, time.hour), in the workstream's zone."""
    queue_hours: HoursStatus
    """The queue at that time: open, closed or holiday (then its out-of-hours handling applies)."""
    outputs: dict[str, OutputValue] = {}
    """What the classification rulesets set (``classification.<name>``)."""
    rulesets: list[MatchedRuleset] = []
    """The rule of each ruleset that matched, in order."""
    skipped: list[SkippedRule] = []
    """Matching rules passed over, and why."""


class RouteTester:
    def __init__(
        self,
        catalog: RoutingCatalog,
        clock: Callable[[], float] = time.time,
        waiting: WaitingLine | None = None,
    ) -> None:
        self._catalog = catalog
        self._clock = clock
        self._waiting = waiting

    def test(self, workstream_id: str, request: RouteTestRequest) -> RouteTestResult:
        found = self._catalog.workstreams.get(workstream_id)
        if found is None:
            raise not_found(f"workstream {workstream_id}")
        workstream: Workstream = found[0]
        rules = request.routing_rules
        if rules is None:
            rules = workstream.routing_rules
        else:
            for index, given in enumerate(rules):
                for queue_id in given.queue_ids():
                    if self._catalog.queue(queue_id) is None:
                        field = f"routingRules.{index}.queueId"
                        raise unknown_reference(field, "queue", queue_id)
        rulesets = request.classification_rulesets
        if rulesets is not None:
            workstream = workstream.model_copy(update={"classification_rulesets": rulesets})
        try:
            check_routing_reads(list(rules), workstream.classification_rulesets)
        except ValueError as error:
            raise InvalidRequestError(str(error), field="routingRules") from None
        zone = ZoneInfo(workstream.time_zone)
        at = request.at or utc(self._clock())
        local = at.replace(tzinfo=zone) if at.tzinfo is None else at.astimezone(zone)
        message = request.message
        context = RoutingContext(
            message_text=message.text if message.type in WORDED_TYPES else None,
            message_type=message.type,
            event_type=message.event,
            event_key=message.event_key or None,
            open_id=request.open_id,
            tags=tuple(request.tags),
            scene=request.scene,
            account_id=workstream.account_id,
            local_time=local,
            variables=request.context,
            remark=request.remark,
            union_id=request.union_id,
        )
        choice = choose_queue(
            workstream,
            lambda: context,
            self._catalog.queue,
            request.conversation_id,
            overflowing(self._waiting) if self._waiting else lambda _: False,
            rules=rules,
        )
        rule, queue = choice.rule, choice.queue
        if queue is None:
            raise ConflictError(
                f"workstream {workstream.id}: its fallback queue {workstream.fallback_queue_id} "
                "is gone; choose another",
                code="fallback_queue_gone",
                field="fallbackQueueId",
            )
        hours = queue.operating_hours.status(local) if queue.operating_hours else HoursStatus.OPEN
        matched = rule is not None and queue.id in rule.queue_ids()
        return RouteTestResult(
            rule=rule.name if rule else None,
            rule_index=next(i for i, r in enumerate(rules) if r is rule) if rule else None,
            queue_id=queue.id,
            queue_name=queue.name,
            fallback=not matched,
            local_time=local,
            queue_hours=hours,
            outputs=choice.classified.outputs,
            rulesets=[MatchedRuleset(ruleset=r, rule=n) for r, n in choice.classified.matched],
            skipped=[
                SkippedRule(rule=skip.rule, queue_id=skip.queue_id, reason=skip.reason)
                for skip in choice.skipped
            ],
        )


class FieldInfo(ViewModel):
    name: str
    kind: str
    """text, tags (a list of text), number, or any (context variables)."""
    operators: list[str]
    case_insensitive: bool = False
    """Compared ignoring case whatever the condition's ignoreCase says."""


class RoutingVocabulary(ViewModel):
    """What a condition can be built from, so that an editor need not keep its own copy."""

    fields: list[FieldInfo]
    context_field: FieldInfo
    """``context.<name>``: a context variable, whose type is only known when routing."""
    context_name_pattern: str
    classification_field: FieldInfo
    """``classification.<name>``: a variable an earlier classification ruleset outputs."""
    classification_name_pattern: str
    operators: list[str]
    forms: list[str]
    """How comparisons combine: all (every one), any (at least one), not."""
    max_depth: int
    max_comparisons: int
    max_pattern: int
    """The longest regular expression ``matches`` takes."""


def vocabulary() -> RoutingVocabulary:
    def info(name: str, kind: str) -> FieldInfo:
        return FieldInfo(
            name=name,
            kind=kind,
            operators=operators_for(kind),
            case_insensitive=name in CASE_INSENSITIVE_FIELDS,
        )

    return RoutingVocabulary(
        fields=[info(name, kind) for name, (kind, _) in FIELDS.items()],
        context_field=info(CONTEXT_PREFIX, "any"),
        context_name_pattern=CONTEXT_NAME.pattern,
        classification_field=info(CLASSIFICATION_PREFIX, "any"),
        classification_name_pattern=CLASSIFICATION_NAME.pattern,
        operators=list(OPERATORS),
        forms=["all", "any", "not"],
        max_depth=MAX_DEPTH,
        max_comparisons=MAX_COMPARISONS,
        max_pattern=MAX_PATTERN,
    )
