"""Skills with ratings: what an agent holds and what a conversation needs, and how well an
agent matches a conversation's needs (the assign step's skill matching).

Older stored documents name skills as plain strings; they read as rating 1 / minRating 1, so
nothing stored before ratings existed breaks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import Enum
from typing import Annotated, Any, NamedTuple

from pydantic import Field, GetJsonSchemaHandler, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from shared.core.schema import ApiModel

SkillName = Annotated[str, Field(min_length=1, max_length=50)]
Rating = Annotated[int, Field(ge=1, le=10)]


class _NamedSkill(ApiModel):
    """A skill by name; a plain string (as stored before ratings) reads as the name alone."""

    name: SkillName

    @model_validator(mode="before")
    @classmethod
    def _from_name(cls, value: Any) -> Any:
        return {"name": value} if isinstance(value, str) else value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """What a request may send: the object, or the skill's name alone."""
        schema = handler(core_schema)
        if handler.mode == "validation":
            return {"anyOf": [schema, {"type": "string", "minLength": 1, "maxLength": 50}]}
        return schema


class HeldSkill(_NamedSkill):
    """A skill an agent holds, rated 1 (novice) to 10 (expert)."""

    rating: Rating = 1


class RequiredSkill(_NamedSkill):
    """A skill a conversation needs, at ``minRating`` or better."""

    min_rating: Rating = 1


class SkillMatching(str, Enum):
    EXACT = "exact"  # only agents holding every required skill at its rating or better
    CLOSEST = "closest"  # every agent, the best matches first


class SkillMatch(NamedTuple):
    """How well an agent matches: more skills met is better, then more rating to spare."""

    met: int
    surplus: int


def check_skill_names_unique(skills: Sequence[HeldSkill] | Sequence[RequiredSkill]) -> None:
    seen: set[str] = set()
    for skill in skills:
        if skill.name in seen:
            raise ValueError(f"skill names must be unique: {skill.name!r} appears twice")
        seen.add(skill.name)


def combined(*groups: Iterable[RequiredSkill]) -> list[RequiredSkill]:
    """One requirement per skill name; the highest minRating wins."""
    best: dict[str, RequiredSkill] = {}
    for group in groups:
        for skill in group:
            if skill.name not in best or best[skill.name].min_rating < skill.min_rating:
                best[skill.name] = skill
    return list(best.values())


def match(required: Iterable[RequiredSkill], held: Iterable[HeldSkill]) -> SkillMatch:
    ratings = {skill.name: skill.rating for skill in held}
    met = surplus = 0
    for skill in required:
        rating = ratings.get(skill.name)
        if rating is not None and rating >= skill.min_rating:
            met += 1
            surplus += rating - skill.min_rating
    return SkillMatch(met, surplus)


def ranked(
    candidates: Sequence[tuple[str, Sequence[HeldSkill]]],
    required: Sequence[RequiredSkill],
    mode: SkillMatching,
) -> list[str]:
    """Candidate ids in the order to offer them. ``exact`` keeps the given order and drops
    those missing a skill; ``closest`` keeps everyone, best match first, the given order
    breaking ties (so the queue's assignment method still decides among equals)."""
    if not required:
        return [candidate_id for candidate_id, _ in candidates]
    scored = [(match(required, held), index, cid) for index, (cid, held) in enumerate(candidates)]
    if mode is SkillMatching.EXACT:
        return [cid for score, _, cid in scored if score.met == len(required)]
    scored.sort(key=lambda item: (-item[0].met, -item[0].surplus, item[1]))
    return [cid for _, _, cid in scored]
