"""Capacity profiles: limits beside capacity units. A profile allows an agent ``maxItems``
conversations of the workstreams that name it, and says whether a conversation in wrap-up
still takes its room (``blockAssignmentDuringWrapUp``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated, Protocol

from pydantic import Field, ValidationInfo, field_validator

from shared.core.schema import ApiModel, patch_of
from shared.model.agents import Name

MIN_WRAP_UP = timedelta(seconds=30)
MAX_WRAP_UP = timedelta(minutes=60)


class WrapUpBlocking(str, Enum):
    ALWAYS = "always"  # the room stays used until wrap-up ends
    NEVER = "never"  # wrap-up gives the room back at once
    FIXED = "fixed"  # the room comes back after wrapUpDuration


class CapacityProfileFields(ApiModel):
    name: Name
    max_items: Annotated[int, Field(ge=1, le=100)] = 1
    """How many conversations of this profile an agent holding it takes at once."""
    block_assignment_during_wrap_up: WrapUpBlocking = WrapUpBlocking.ALWAYS
    wrap_up_duration: timedelta | None = Field(default=None, validate_default=True)
    """ISO 8601 (``PT5M``), PT30S to PT60M; required with ``fixed`` and only with it. Checked
    even when absent, so the error names this field (as ``wrap_up_duration`` then, the way a
    merged PATCH names fields)."""

    @field_validator("wrap_up_duration")
    @classmethod
    def _duration(cls, duration: timedelta | None, info: ValidationInfo) -> timedelta | None:
        blocking = info.data.get("block_assignment_during_wrap_up")
        if blocking is None:
            return duration  # that field failed: its own error says so
        fixed = blocking is WrapUpBlocking.FIXED
        if fixed and duration is None:
            raise ValueError("is required when blockAssignmentDuringWrapUp is fixed")
        if not fixed and duration is not None:
            raise ValueError("applies only when blockAssignmentDuringWrapUp is fixed")
        if duration is not None and not MIN_WRAP_UP <= duration <= MAX_WRAP_UP:
            raise ValueError("must be between PT30S and PT60M")
        return duration


CapacityProfilePatch = patch_of(CapacityProfileFields, "CapacityProfilePatch")


class CapacityProfile(CapacityProfileFields):
    id: str
    created_at: datetime
    updated_at: datetime

    def blocks(self, wrap_up_since: datetime | None, now: datetime) -> bool:
        """Whether a hold of this profile takes room at ``now``: always, unless in wrap-up and
        the profile frees wrap-up at once (never) or after its duration (fixed)."""
        if wrap_up_since is None:
            return True
        if self.block_assignment_during_wrap_up is WrapUpBlocking.ALWAYS:
            return True
        if self.block_assignment_during_wrap_up is WrapUpBlocking.NEVER:
            return False
        return now < wrap_up_since + (self.wrap_up_duration or timedelta(0))


class ProfileHold(Protocol):
    @property
    def profile_id(self) -> str | None: ...
    @property
    def wrap_up_since(self) -> datetime | None: ...


def items_used(holds: Mapping[str, ProfileHold], profile: CapacityProfile, now: datetime) -> int:
    return sum(
        1
        for hold in holds.values()
        if hold.profile_id == profile.id and profile.blocks(hold.wrap_up_since, now)
    )
