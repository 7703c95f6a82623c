"""Workstreams: how one WeChat account's conversations are routed and distributed.

The seed's "Set up WeChat": one workstream per account, with its routing rules, distribution
mode, capacity units, allowed presences, automated messages and attachment switches.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated, Any, ClassVar

from pydantic import Field, field_validator, model_validator

from shared.core.schema import ApiModel, patch_of
from shared.model.agents import Name, Presence, ResourceId
from shared.model.bots import BY_LANGUAGE, LANGUAGE_PATTERN, BotConfig, QuickReply, Survey, Text
from shared.model.classification import (
    ClassificationRuleset,
    check_rulesets,
    unknown_variables,
)
from shared.model.conditions import invalid_at
from shared.model.hours import TimeZoneName
from shared.model.offers import (
    DEFAULT_OFFER_TIMEOUT,
    MAX_DECLINES_LIMIT,
    AssignmentMode,
    OfferTimeout,
)
from shared.model.rules import RoutingRule, check_rule_names_unique
from shared.model.skills import RequiredSkill, SkillMatching, check_skill_names_unique


class DistributionMode(str, Enum):
    PUSH = "push"  # the assign step gives conversations to agents
    PICK = "pick"  # agents take them from the queue themselves


class AutomatedMessage(str, Enum):
    GREETING = "greeting"
    QUEUED = "queued"  # may use {Position}
    AGENT_ASSIGNED = "agentAssigned"  # may use {AgentName}
    OUT_OF_HOURS = "outOfHours"
    HOLIDAY = "holiday"
    OVERFLOW_ENDED = "overflowEnded"
    CONVERSATION_CLOSED = "conversationClosed"
    ATTACHMENTS_DISABLED = "attachmentsDisabled"  # the customer sent a file; they are off
    PRIVACY_NOTICE = "privacyNotice"  # once per customer, before anything else
    AGENT_NOT_ASSIGNED = "agentNotAssigned"  # queued, and no agent of the queue can take it now
    TRANSFER_ACCEPTED = "transferAccepted"  # a transfer landed: in the new queue or with the agent
    NEXT_IN_LINE = "nextInLine"  # the customer became first in the waiting line
    POSITION_IN_QUEUE = "positionInQueue"  # every positionUpdateEvery while waiting
    AGENT_ENDED_CONVERSATION = "agentEndedConversation"  # the agent closed it


PLACEHOLDERS = frozenset({"Position", "AgentName", "QueueName"})
"""What ``{Name}`` an automated message may use, besides ``{context.<name>}``."""
_PLACEHOLDER = re.compile(r"\{([A-Za-z][A-Za-z0-9_]*)\}")


def unknown_placeholders(text: str) -> list[str]:
    """The ``{Name}`` placeholders in ``text`` that no automated message fills: a typo the
    customer would otherwise read as written. Other braces (``{}``, ``{ x }``) are text."""
    return [name for name in _PLACEHOLDER.findall(text) if name not in PLACEHOLDERS]


MIN_AUTO_CLOSE = timedelta(minutes=1)


class AutoClose(ApiModel):
    """How long a conversation may sit idle (no activity) in each state before the sweep closes
    it; null: never for that state. The defaults are the seed's: open, active P30D, wrapUp P1D;
    waiting (parked for the customer's answer) none, since parking means "wait for them"."""

    open: timedelta | None = timedelta(days=30)
    active: timedelta | None = timedelta(days=30)
    wrap_up: timedelta | None = timedelta(days=1)
    waiting: timedelta | None = None

    @field_validator("open", "active", "wrap_up", "waiting")
    @classmethod
    def _at_least_a_minute(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < MIN_AUTO_CLOSE:
            raise ValueError("must be at least one minute (PT1M)")
        return value


class FileAttachments(ApiModel):
    customers_can_send: bool = True
    agents_can_send: bool = True


_LANGUAGE = re.compile(LANGUAGE_PATTERN)


class WorkstreamFields(ApiModel):
    name: Name
    account_id: ResourceId
    language: Annotated[str, Field(json_schema_extra={"pattern": f"^{LANGUAGE_PATTERN}$"})] = (
        "zh-CN"
    )
    time_zone: TimeZoneName = "Asia/Shanghai"
    """The zone of the local time that routing rules see (time.weekday, time.hour)."""
    distribution_mode: DistributionMode = DistributionMode.PUSH
    capacity_units: Annotated[int, Field(ge=1, le=100)] = 1
    allowed_presences: Annotated[list[Presence], Field(min_length=1)] = [
        Presence.AVAILABLE,
        Presence.BUSY,
    ]
    fallback_queue_id: ResourceId
    auto_close_after_inactivity: timedelta | None = None
    """ISO 8601 duration (``PT30M``): idle this long in any state, a conversation closes; the
    older, state-blind rule, kept beside ``autoClose`` (whichever limit comes first closes)."""
    auto_close: AutoClose = AutoClose()
    """Per state idle limits (the seed's defaults unless set)."""
    keep_same_agent: bool = False
    position_update_every: timedelta | None = None
    """ISO 8601 duration (``PT5M``): how often a waiting customer gets ``positionInQueue``
    (absent: never). Sent only while it leaves the agent at least ``POSITION_RESERVE`` of
    WeChat's reply-window slots."""
    skill_matching: SkillMatching = SkillMatching.EXACT
    """exact: only agents with every required skill at its minRating; closest: the best
    matches first, and an agent matching none is still offered, last."""
    required_skills: Annotated[list[RequiredSkill], Field(max_length=20)] = []
    """Skills every conversation of the workstream needs, beside its routing rule's."""
    capacity_profile_id: ResourceId | None = None
    """A capacity profile each conversation takes one item of on its agent (absent: none)."""
    file_attachments: FileAttachments = FileAttachments()
    automated_messages: Annotated[dict[str, dict[AutomatedMessage, Text]], BY_LANGUAGE] = {}
    """Language → message → text, e.g. ``{"zh-CN": {"greeting": "您好…"}}``."""
    classification_rulesets: Annotated[list[ClassificationRuleset], Field(max_length=20)] = []
    """Run in order before ``routingRules``; each sets ``classification.<name>`` variables."""
    routing_rules: Annotated[list[RoutingRule], Field(max_length=200)] = []
    bot: BotConfig | None = None
    """Bot-first: new conversations go to this bot before routing (absent: straight to routing)."""
    survey: Survey | None = None
    """Sent when an agent's conversation closes, while WeChat's reply window allows."""
    bot_survey: Survey | None = None
    """For conversations the bot handled alone (absent: none for them)."""
    quick_replies: Annotated[
        dict[str, Annotated[list[QuickReply], Field(max_length=200)]],
        BY_LANGUAGE,
    ] = {}
    """Language → canned responses agents can send by name."""
    retention_days: Annotated[int, Field(ge=1, le=3650)] | None = None
    """Closed conversations older than this are purged (absent: the deployment's RETENTION_DAYS)."""
    assignment_mode: AssignmentMode = AssignmentMode.ASSIGN
    """assign: a pushed conversation is the agent's at once; offer: it is offered to one agent
    at a time, who accepts or declines it within ``offerTimeout``."""
    offer_timeout: OfferTimeout = DEFAULT_OFFER_TIMEOUT
    """ISO 8601 duration, PT10S–PT5M: how long an offer waits for the agent's answer."""
    max_declines: Annotated[int, Field(ge=1, le=MAX_DECLINES_LIMIT)] = 1
    """After this many declines of one conversation an agent is no longer offered it."""

    @field_validator("language")
    @classmethod
    def _language(cls, value: str) -> str:
        if not _LANGUAGE.fullmatch(value):
            raise ValueError("must be a language tag such as zh-CN or en")
        return value

    @field_validator("automated_messages", "quick_replies")
    @classmethod
    def _languages(cls, value: dict[str, Any]) -> dict[str, Any]:
        for language in value:
            if not _LANGUAGE.fullmatch(language):
                raise ValueError(f"keys must be language tags such as zh-CN, not {language!r}")
        return value

    _checks_placeholders: ClassVar[bool] = True
    """Off for stored workstreams: one saved before the check still loads (and routes)."""

    @field_validator("automated_messages")
    @classmethod
    def _placeholders(
        cls, value: dict[str, dict[AutomatedMessage, str]]
    ) -> dict[str, dict[AutomatedMessage, str]]:
        if not cls._checks_placeholders:
            return value
        for language, messages in value.items():
            for kind, text in messages.items():
                unknown = unknown_placeholders(text)
                if unknown:
                    known = ", ".join("{" + name + "}" for name in sorted(PLACEHOLDERS))
                    raise ValueError(
                        f"{language}.{kind.value}: unknown placeholder {{{unknown[0]}}} "
                        f"(known: {known} and {{context.<name>}})"
                    )
        return value

    @field_validator("auto_close_after_inactivity", "position_update_every")
    @classmethod
    def _at_least_a_minute(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(minutes=1):
            raise ValueError("must be at least one minute (PT1M)")
        return value

    @field_validator("required_skills")
    @classmethod
    def _unique_skills(cls, skills: list[RequiredSkill]) -> list[RequiredSkill]:
        check_skill_names_unique(skills)
        return skills

    @field_validator("routing_rules")
    @classmethod
    def _rules(cls, rules: list[RoutingRule]) -> list[RoutingRule]:
        return check_rule_names_unique(rules)

    @field_validator("classification_rulesets")
    @classmethod
    def _rulesets(cls, rulesets: list[ClassificationRuleset]) -> list[ClassificationRuleset]:
        check_rulesets(rulesets)
        return rulesets

    @model_validator(mode="after")
    def _routing_reads_known_outputs(self) -> WorkstreamFields:
        check_routing_reads(self.routing_rules, self.classification_rulesets)
        return self

    def message(self, kind: AutomatedMessage) -> str | None:
        """The text of an automated message in the workstream's language, if configured."""
        return self.automated_messages.get(self.language, {}).get(kind)

    def quick_reply(self, name: str) -> QuickReply | None:
        return next((q for q in self.quick_replies.get(self.language, []) if q.name == name), None)


def check_routing_reads(rules: list[RoutingRule], rulesets: list[ClassificationRuleset]) -> None:
    """A routing rule reading ``classification.<name>`` that no ruleset outputs is refused."""
    for index, rule in enumerate(rules):
        unknown = unknown_variables(rule.condition, rulesets)
        if unknown:
            raise invalid_at(
                ("routingRules", index, "condition"),
                f"reads classification.{unknown[0]}, which no classification ruleset outputs",
                unknown[0],
            )


WorkstreamPatch = patch_of(WorkstreamFields, "WorkstreamPatch")


class Workstream(WorkstreamFields):
    _checks_placeholders: ClassVar[bool] = False

    id: str
    created_at: datetime
    updated_at: datetime
