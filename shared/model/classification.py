"""Classification rulesets: ordered steps before routing that label a conversation.

Each ruleset's first matching rule sets its ``outputs`` (``{"tier": "vip"}``); conditions of
later rulesets and of the routing rules read them as ``classification.<name>``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Annotated, Any

from pydantic import Field, field_validator

from shared.core.schema import ApiModel
from shared.model.agents import Name
from shared.model.conditions import CLASSIFICATION_NAME, Condition, RoutingContext, invalid_at
from shared.model.rules import check_rule_names_unique

OutputValue = Annotated[str, Field(max_length=200)] | int | float | bool


class ClassificationRule(ApiModel):
    name: Name
    condition: Condition
    outputs: Annotated[dict[str, OutputValue], Field(min_length=1, max_length=20)]
    """Variable → value, e.g. ``{"tier": "vip"}``; read as ``classification.tier``."""

    @field_validator("outputs")
    @classmethod
    def _names(cls, outputs: dict[str, OutputValue]) -> dict[str, OutputValue]:
        for variable in outputs:
            if not CLASSIFICATION_NAME.fullmatch(variable):
                raise ValueError(
                    f"{variable!r} is not a valid variable name: up to 64 letters, digits or _, "
                    "starting with a letter or _"
                )
        return outputs


class ClassificationRuleset(ApiModel):
    name: Name
    rules: Annotated[list[ClassificationRule], Field(min_length=1, max_length=100)]

    @field_validator("rules")
    @classmethod
    def _unique(cls, rules: list[ClassificationRule]) -> list[ClassificationRule]:
        return check_rule_names_unique(rules)

    def outputs(self) -> set[str]:
        return {variable for rule in self.rules for variable in rule.outputs}


def check_rulesets(rulesets: Sequence[ClassificationRuleset]) -> None:
    """Names unique, and every ``classification.<name>`` a condition reads is output by an
    earlier ruleset (a later one has not run yet, so the condition could never see it)."""
    seen: set[str] = set()
    known: set[str] = set()
    for index, ruleset in enumerate(rulesets):
        if ruleset.name in seen:
            raise invalid_at(
                (index, "name"),
                f"names must be unique: {ruleset.name!r} appears twice",
                ruleset.name,
            )
        seen.add(ruleset.name)
        for rule_index, rule in enumerate(ruleset.rules):
            unknown = sorted(rule.condition.classification_variables() - known)
            if unknown:
                raise invalid_at(
                    (index, "rules", rule_index, "condition"),
                    f"reads classification.{unknown[0]}, which no earlier ruleset outputs",
                    unknown[0],
                )
        known |= ruleset.outputs()


def unknown_variables(condition: Condition, rulesets: Sequence[ClassificationRuleset]) -> list[str]:
    """The classification variables ``condition`` reads that no ruleset outputs."""
    known = set().union(*(ruleset.outputs() for ruleset in rulesets))
    return sorted(condition.classification_variables() - known)


@dataclass(frozen=True)
class Classified:
    outputs: dict[str, Any]
    """Every variable set, later rulesets overriding earlier ones."""
    matched: tuple[tuple[str, str], ...]
    """(ruleset, rule) for each ruleset a rule of which matched, in order."""


NOTHING = Classified({}, ())


def classify_conversation(
    rulesets: Sequence[ClassificationRuleset], context: RoutingContext
) -> tuple[Classified, RoutingContext]:
    """Run the rulesets in order; returns what they set and ``context`` carrying it."""
    outputs: dict[str, Any] = dict(context.classification)
    matched: list[tuple[str, str]] = []
    for ruleset in rulesets:
        seen = replace(context, classification=MappingProxyType(dict(outputs)))
        rule = next((r for r in ruleset.rules if r.condition.evaluate(seen)), None)
        if rule is not None:
            outputs.update(rule.outputs)
            matched.append((ruleset.name, rule.name))
    result = Classified(outputs, tuple(matched))
    return result, replace(context, classification=MappingProxyType(dict(outputs)))
