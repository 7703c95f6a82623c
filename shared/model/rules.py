"""Routing rules: an ordered list; the first whose condition matches picks the queue."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from pydantic import Field, field_validator

from shared.core.schema import ApiModel
from shared.model.agents import Name, ResourceId
from shared.model.conditions import Condition, RoutingContext
from shared.model.skills import RequiredSkill, check_skill_names_unique


class RoutingRule(ApiModel):
    name: Name
    condition: Condition
    queue_id: ResourceId
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


Rules = TypeVar("Rules", bound=Sequence[RoutingRule])


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
