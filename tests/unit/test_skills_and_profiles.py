"""Skill ratings, matching and capacity profiles: the pure rules the assign step applies."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from shared.core.schema import validation_error
from shared.model.agents import AgentFields, Hold
from shared.model.capacity_profiles import CapacityProfile, CapacityProfileFields, items_used
from shared.model.skills import (
    HeldSkill,
    RequiredSkill,
    SkillMatch,
    SkillMatching,
    combined,
    match,
    ranked,
)

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)


def held(**ratings: int) -> list[HeldSkill]:
    return [HeldSkill(name=name, rating=rating) for name, rating in ratings.items()]


def needs(**ratings: int) -> list[RequiredSkill]:
    return [RequiredSkill(name=name, min_rating=rating) for name, rating in ratings.items()]


def test_plain_strings_read_as_rating_one():
    agent = AgentFields.model_validate({"name": "a", "skills": ["billing", {"name": "vip"}]})
    assert agent.skills == held(billing=1, vip=1)
    assert RequiredSkill.model_validate("billing") == RequiredSkill(name="billing", min_rating=1)


@pytest.mark.parametrize(
    ("skills", "field"),
    [
        ([{"name": "b", "rating": 0}], "skills.0.rating"),
        ([{"name": "b", "rating": 11}], "skills.0.rating"),
        ([{"name": "", "rating": 2}], "skills.0.name"),
        ([{"name": "b", "minRating": 2}], "skills.0.minRating"),
        (["b", {"name": "b", "rating": 3}], "skills"),
    ],
)
def test_agent_skills_are_checked(skills: list[Any], field: str):
    with pytest.raises(ValidationError) as caught:
        AgentFields.model_validate({"name": "a", "skills": skills})
    assert validation_error(caught.value).field == field


def test_match_counts_skills_met_and_the_rating_to_spare():
    assert match(needs(billing=3, mandarin=5), held(billing=4, mandarin=4)) == SkillMatch(1, 1)
    assert match(needs(billing=3), held(billing=3, vip=9)) == SkillMatch(1, 0)
    assert match(needs(billing=3), []) == SkillMatch(0, 0)


def test_combined_keeps_the_higher_min_rating_of_a_skill():
    assert combined(needs(billing=2, vip=1), needs(billing=5)) == needs(billing=5, vip=1)


CANDIDATES = [
    ("none", held()),
    ("one", held(billing=9)),
    ("two", held(billing=3, mandarin=5)),
    ("twoWithRoom", held(billing=4, mandarin=7)),
    ("twoAgain", held(billing=3, mandarin=5)),
]


def test_exact_keeps_the_queue_order_of_full_matches_only():
    required = needs(billing=3, mandarin=5)
    assert ranked(CANDIDATES, required, SkillMatching.EXACT) == ["two", "twoWithRoom", "twoAgain"]


def test_closest_ranks_by_skills_met_then_surplus_then_queue_order():
    required = needs(billing=3, mandarin=5)
    assert ranked(CANDIDATES, required, SkillMatching.CLOSEST) == [
        "twoWithRoom",
        "two",
        "twoAgain",
        "one",
        "none",
    ]


def test_no_required_skills_keeps_everyone_in_order():
    assert ranked(CANDIDATES, [], SkillMatching.EXACT) == [c for c, _ in CANDIDATES]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"blockAssignmentDuringWrapUp": "fixed"}, "required"),
        ({"blockAssignmentDuringWrapUp": "fixed", "wrapUpDuration": "PT29S"}, "between"),
        ({"blockAssignmentDuringWrapUp": "fixed", "wrapUpDuration": "PT61M"}, "between"),
        ({"blockAssignmentDuringWrapUp": "always", "wrapUpDuration": "PT1M"}, "only"),
        ({"maxItems": 0}, "greater"),
        ({"maxItems": 101}, "less"),
    ],
)
def test_profile_fields_are_checked(body: dict[str, Any], message: str):
    with pytest.raises(ValidationError) as caught:
        CapacityProfileFields.model_validate({"name": "p", **body})
    assert message in str(caught.value)
    given = "maxItems" if "maxItems" in body else "wrapUpDuration"
    # an absent wrapUpDuration is named as a merged PATCH names fields (the console reads both)
    named = given if given in body else "wrap_up_duration"
    assert validation_error(caught.value).field == named


def _profile(**fields: Any) -> CapacityProfile:
    return CapacityProfile.model_validate(
        {"id": "p", "name": "p", "createdAt": NOW, "updatedAt": NOW, "maxItems": 3, **fields}
    )


@pytest.mark.parametrize(
    ("fields", "used_now", "used_later"),
    [
        ({"blockAssignmentDuringWrapUp": "always"}, 2, 2),
        ({"blockAssignmentDuringWrapUp": "never"}, 1, 1),
        ({"blockAssignmentDuringWrapUp": "fixed", "wrapUpDuration": "PT2M"}, 2, 1),
    ],
)
def test_items_used_counts_wrap_up_as_the_profile_says(
    fields: dict[str, Any], used_now: int, used_later: int
):
    profile = _profile(**fields)
    holds = {
        "active": Hold(units=1, since=NOW, profile_id="p"),
        "wrapping": Hold(units=1, since=NOW, profile_id="p", wrap_up_since=NOW),
        "other": Hold(units=1, since=NOW, profile_id="q"),
        "none": Hold(units=1, since=NOW),
    }
    assert items_used(holds, profile, NOW + timedelta(seconds=30)) == used_now
    assert items_used(holds, profile, NOW + timedelta(minutes=2)) == used_later
