"""Agents: who they are (admin), how available they are (presence), what they hold (capacity)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from shared.core.schema import ApiModel, ViewModel, patch_of
from shared.model.skills import HeldSkill, check_skill_names_unique


class Presence(str, Enum):
    AVAILABLE = "available"
    BUSY = "busy"
    DO_NOT_DISTURB = "doNotDisturb"
    AWAY = "away"
    OFFLINE = "offline"


class AgentRole(str, Enum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"


Name = Annotated[str, Field(min_length=1, max_length=100)]
Skill = Annotated[str, Field(min_length=1, max_length=50)]
STALE_POLL = timedelta(seconds=150)
"""A console that has not polled the change feed for this long is gone: its agent is offline
for routing (their conversations stay) until it polls again."""
POLL_RECORD_EVERY = timedelta(seconds=30)
"""A poll is written to the agent at most this often, so polling costs no more than that."""

ResourceId = Annotated[str, Field(pattern=r"^[0-9A-Za-z_-]{1,64}$")]
"""The id of a queue, agent, account or workstream: letters, digits, ``_`` and ``-``."""


class AgentFields(ApiModel):
    name: Name
    queue_ids: Annotated[list[ResourceId], Field(max_length=50)] = []
    capacity: Annotated[int, Field(ge=0, le=1000)] = 3
    skills: Annotated[list[HeldSkill], Field(max_length=50)] = []
    """``{"name": "billing", "rating": 4}`` (1–10); a plain ``"billing"`` reads as rating 1."""
    capacity_profile_ids: Annotated[list[ResourceId], Field(max_length=20)] = []
    """The capacity profiles the agent takes work of (each allows ``maxItems`` at once)."""
    role: AgentRole = AgentRole.AGENT
    disabled: bool = False
    """A disabled agent's token is refused (forbidden) and the agent gets no new work; what it
    holds stays with it until an admin closes or transfers it."""

    @field_validator("skills")
    @classmethod
    def _unique_skills(cls, skills: list[HeldSkill]) -> list[HeldSkill]:
        check_skill_names_unique(skills)
        return skills


AgentPatch = patch_of(AgentFields, "AgentPatch")


class Hold(BaseModel):
    units: int
    since: datetime
    profile_id: str | None = None
    """The capacity profile whose room the conversation takes (one item)."""
    wrap_up_since: datetime | None = None
    """When the conversation went to wrap-up: the profile says whether it still takes room."""
    offered_until: datetime | None = None
    """Held for an offer not yet accepted (``shared/model/offers.py``): when the offer runs
    out, so the minute's sweep can find offers whose timeout was missed."""


class Agent(AgentFields):
    """As stored. ``holds`` names each conversation holding this agent's capacity: releasing
    is idempotent and the used capacity is always the sum of their units."""

    id: str
    presence: Presence = Presence.OFFLINE
    holds: dict[str, Hold] = {}
    parked: list[str] = []
    """Conversations the agent parked (waiting): theirs, but holding no capacity."""
    last_assigned_at: datetime | None = None
    last_freed_at: datetime | None = None
    last_polled_at: datetime | None = None
    """When the agent's console last polled the change feed (to within ``POLL_RECORD_EVERY``);
    None for an agent whose console never polled (API clients), which the stale rule spares."""
    token_hash: str = Field(repr=False)
    created_at: datetime
    updated_at: datetime

    @property
    def used_capacity(self) -> int:
        return sum(hold.units for hold in self.holds.values())

    @property
    def free_capacity(self) -> int:
        return max(self.capacity - self.used_capacity, 0)

    def polled_recently(self, now: datetime) -> bool:
        return self.last_polled_at is None or now - self.last_polled_at <= STALE_POLL

    def routing_presence(self, now: datetime) -> Presence:
        """The presence routing honours: offline while the console has stopped polling, else
        the agent's own choice — derived, so polling again restores it with no write."""
        return self.presence if self.polled_recently(now) else Presence.OFFLINE

    def shown_presence(self, now: datetime | None = None) -> Presence:
        """What others see: an available agent with no room left shows busy, and (given
        ``now``) a console gone quiet shows offline. Derived on read, never stored, so it is
        available again the moment capacity frees, and ``presence`` stays the agent's choice."""
        presence = self.presence if now is None else self.routing_presence(now)
        full = self.capacity > 0 and self.used_capacity >= self.capacity
        return Presence.BUSY if full and presence is Presence.AVAILABLE else presence


class AgentView(ViewModel):
    id: str
    name: str
    queue_ids: list[str]
    capacity: int
    used_capacity: int
    free_capacity: int
    skills: list[HeldSkill]
    capacity_profile_ids: list[str]
    role: AgentRole
    disabled: bool
    presence: Presence
    shown_presence: Presence
    """``busy`` while an ``available`` agent is at full capacity, ``offline`` (where the answer
    knows the time) while its console has stopped polling, else ``presence``."""
    conversation_ids: list[str]
    last_assigned_at: datetime | None = None
    last_freed_at: datetime | None = None
    last_polled_at: datetime | None = None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, agent: Agent, now: datetime | None = None) -> AgentView:
        return cls(
            **agent.model_dump(exclude={"holds", "token_hash"}),
            used_capacity=agent.used_capacity,
            free_capacity=agent.free_capacity,
            shown_presence=agent.shown_presence(now),
            conversation_ids=sorted(agent.holds),
        )
