"""An available agent at full capacity shows busy, derived on read, and available again when
room frees; every other presence is shown as the agent chose it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.model.agents import Agent, AgentView, Hold, Presence

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def agent(presence: Presence, capacity: int, holding: int) -> Agent:
    return Agent(
        id="a1",
        name="Ann",
        capacity=capacity,
        presence=presence,
        holds={f"c{i}": Hold(units=1, since=NOW) for i in range(holding)},
        token_hash="x",
        created_at=NOW,
        updated_at=NOW,
    )


@pytest.mark.parametrize(
    ("presence", "capacity", "holding", "shown"),
    [
        (Presence.AVAILABLE, 2, 2, Presence.BUSY),
        (Presence.AVAILABLE, 2, 1, Presence.AVAILABLE),
        (Presence.AVAILABLE, 0, 0, Presence.AVAILABLE),
        (Presence.AWAY, 2, 2, Presence.AWAY),
        (Presence.DO_NOT_DISTURB, 1, 1, Presence.DO_NOT_DISTURB),
        (Presence.OFFLINE, 1, 1, Presence.OFFLINE),
    ],
)
def test_shown_presence(presence: Presence, capacity: int, holding: int, shown: Presence) -> None:
    assert agent(presence, capacity, holding).shown_presence() is shown


def test_the_view_keeps_the_chosen_presence_beside_the_shown_one() -> None:
    body = AgentView.of(agent(Presence.AVAILABLE, 1, 1)).json_body()
    assert (body["presence"], body["shownPresence"]) == ("available", "busy")
    freed = agent(Presence.AVAILABLE, 1, 0)
    assert AgentView.of(freed).json_body()["shownPresence"] == "available"
