"""Workstreams: how one WeChat account's conversations are routed and distributed.

The seed's "Set up WeChat": one workstream per account, with its routing rules, distribution
mode, capacity units, allowed presences, automated messages and attachment switches.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator

from shared.core.schema import ApiModel, patch_of
from shared.model.agents import Name, Presence, ResourceId
from shared.model.bots import BY_LANGUAGE, LANGUAGE_PATTERN, BotConfig, QuickReply, Survey, Text
from shared.model.classification import (
    ClassificationRuleset,
    check_rulesets,
    unknown_variables,
)
from shared.model.hours import TimeZoneName
from shared.model.rules import RoutingRule, check_rule_names_unique


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
    """ISO 8601 duration (``PT30M``); absent: conversations never close by themselves."""
    keep_same_agent: bool = False
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

    @field_validator("auto_close_after_inactivity")
    @classmethod
    def _at_least_a_minute(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value < timedelta(minutes=1):
            raise ValueError("must be at least one minute (PT1M)")
        return value

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
            raise ValueError(
                f"routingRules.{index}.condition reads classification.{unknown[0]}, "
                "which no classification ruleset outputs"
            )


WorkstreamPatch = patch_of(WorkstreamFields, "WorkstreamPatch")


class Workstream(WorkstreamFields):
    id: str
    created_at: datetime
    updated_at: datetime
