"""Offering a conversation to one agent at a time, who accepts or declines it (a workstream's
``assignmentMode: offer``), as Dynamics 365 notifies an agent before the work is theirs.

An offered conversation stays ``open`` (the state machine is unchanged) with an ``offer`` on
it: who it is offered to and until when. The offered agent's capacity is held for it from the
offer on, so an agent is never offered more than it can take; a decline or a timeout gives the
hold back and the conversation goes on to the next agent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated

from pydantic import AfterValidator, ConfigDict

from shared.core.schema import CamelModel


class AssignmentMode(str, Enum):
    ASSIGN = "assign"  # the assign step makes the conversation the agent's at once
    OFFER = "offer"  # it is offered; the agent accepts or declines within offerTimeout


MIN_OFFER_TIMEOUT = timedelta(seconds=10)
MAX_OFFER_TIMEOUT = timedelta(minutes=5)
DEFAULT_OFFER_TIMEOUT = timedelta(seconds=30)
MAX_DECLINES_LIMIT = 5


def check_offer_timeout(value: timedelta) -> timedelta:
    if not MIN_OFFER_TIMEOUT <= value <= MAX_OFFER_TIMEOUT:
        raise ValueError("must be from PT10S to PT5M")
    return value


OfferTimeout = Annotated[timedelta, AfterValidator(check_offer_timeout)]
"""In the type, so a PATCH body checks it too and names ``offerTimeout`` when it is refused."""


class Offer(CamelModel):
    """A conversation offered to ``agent_id`` until ``expires_at``."""

    model_config = ConfigDict(frozen=True)

    agent_id: str
    offered_at: datetime
    expires_at: datetime

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


def offer_order(
    candidates: Sequence[str],
    declines: Mapping[str, int],
    expired: Mapping[str, int],
    max_declines: int,
) -> list[str]:
    """The candidates an offer may go to, best first: an agent that declined the conversation
    ``max_declines`` times is skipped for it, and those who passed it up (declined it or let an
    offer of it expire) come after those who did not, fewest times first; the method's order
    decides between equals (the sort is stable)."""
    eligible = [c for c in candidates if declines.get(c, 0) < max_declines]
    return sorted(eligible, key=lambda c: declines.get(c, 0) + expired.get(c, 0))
