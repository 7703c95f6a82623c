"""Routing rules: an ordered list; the first whose condition matches picks the queue."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Annotated, Protocol, TypeVar

from pydantic import Field, field_validator, model_validator

from shared.core.schema import ApiModel
from shared.model.agents import Name, ResourceId
from shared.model.conditions import Condition, RoutingContext
from shared.model.skills import RequiredSkill, check_skill_names_unique


class Allocation(ApiModel):
    queue_id: ResourceId
    percent: Annotated[int, Field(ge=1, le=99)]


def bucket(conversation_id: str) -> int:
    """0..99, stable for a conversation id (a replay lands in the same queue)."""
    digest = hashlib.sha256(conversation_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") % 100


def allocated(allocation: Sequence[Allocation], conversation_id: str) -> str:
    """The queue whose share of 0..99 the conversation's bucket falls in."""
    point = bucket(conversation_id)
    for share in allocation:
        if point < share.percent:
            return share.queue_id
        point -= share.percent
    return allocation[-1].queue_id


class RoutingRule(ApiModel):
    name: Name
    condition: Condition
    queue_id: ResourceId | None = None
    """The queue; or give ``allocation`` to split the matched conversations."""
    allocation: Annotated[list[Allocation], Field(min_length=2, max_length=5)] | None = None
    """Percent shares summing to 100, chosen from the conversation id."""
    priority: int | None = Field(default=None, ge=0, le=1000)
    """Lower is more urgent; for this conversation it replaces the queue's own priority."""
    skills: list[RequiredSkill] = Field(default=[], max_length=20)
    """What an agent needs to take the conversation: ``{"name": "billing", "minRating": 3}``
    (a plain ``"billing"`` reads as minRating 1)."""

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, skills: list[RequiredSkill]) -> list[RequiredSkill]:
        check_skill_names_unique(skills)
        return skills

    @field_validator("allocation")
    @classmethod
    def _shares(cls, allocation: list[Allocation] | None) -> list[Allocation] | None:
        if allocation is None:
            return None
        total = sum(share.percent for share in allocation)
        if total != 100:
            raise ValueError(f"percents must sum to 100, not {total}")
        ids = [share.queue_id for share in allocation]
        if len(set(ids)) != len(ids):
            raise ValueError("each queue may appear once")
        return allocation

    @model_validator(mode="after")
    def _one_target(self) -> RoutingRule:
        if (self.queue_id is None) == (self.allocation is None):
            raise ValueError("give exactly one of queueId or allocation")
        return self

    def queue_for(self, conversation_id: str) -> str:
        if self.allocation is not None:
            return allocated(self.allocation, conversation_id)
        assert self.queue_id is not None  # _one_target
        return self.queue_id

    def queue_ids(self) -> list[str]:
        if self.allocation is not None:
            return [share.queue_id for share in self.allocation]
        return [self.queue_id] if self.queue_id else []


class _Named(Protocol):
    @property
    def name(self) -> str: ...


Rules = TypeVar("Rules", bound=Sequence[_Named])


def classify(rules: Sequence[RoutingRule], context: RoutingContext) -> RoutingRule | None:
    """The first rule that matches, or None (the workstream's fallback queue then applies)."""
    return next((rule for rule in rules if rule.condition.evaluate(context)), None)


def check_rule_names_unique(rules: Rules) -> Rules:
    """Names identify rules in reports and in a conversation's record, so they must differ."""
    seen: set[str] = set()
    for rule in rules:
        if rule.name in seen:
            raise ValueError(f"names must be unique: {rule.name!r} appears twice")
        seen.add(rule.name)
    return rules
