"""AvailabilityIndex in memory: per queue, one row per agent who could take work, keyed by the
real sort key of the queue's method."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from shared.model.agents import Agent, Presence
from shared.model.queues import AssignmentMethod
from shared.store.availability import (
    Candidate,
    availability_key,
    is_listed,
    skills_of_row,
    skills_text,
)
from tests.fakes.rows import Rows


class FakeAvailabilityIndex:
    def __init__(self) -> None:
        self.rows = Rows()

    @staticmethod
    def _rows(
        agent: Agent | None, methods: Mapping[str, AssignmentMethod], now: datetime
    ) -> dict[tuple[str, str], dict[str, Any]]:
        if agent is None or not is_listed(agent, now):
            return {}
        rows = {}
        for queue_id in agent.queue_ids:
            method = methods.get(queue_id)
            if method is None:
                continue
            rows[(queue_id, availability_key(agent, method))] = {
                "AgentId": agent.id,
                "Presence": agent.presence.value,
                "Free": agent.free_capacity,
                "Skills": skills_text(agent),
            }
        return rows

    def sync(
        self,
        before: Agent | None,
        after: Agent | None,
        methods: Mapping[str, AssignmentMethod],
        now: datetime,
    ) -> None:
        old, new = self._rows(before, methods, now), self._rows(after, methods, now)
        for key, row in new.items():
            if old.get(key) != row:
                self.rows.upsert(key, row)
        for key in old.keys() - new.keys():
            self.rows.delete(key)

    def candidates(
        self, queue_id: str, *, units: int, presences: Iterable[Presence], limit: int = 8
    ) -> list[str]:
        listed = self.listed(queue_id, units=units, presences=presences, limit=limit)
        return [candidate.agent_id for candidate in listed]

    def listed(
        self, queue_id: str, *, units: int, presences: Iterable[Presence], limit: int = 8
    ) -> list[Candidate]:
        allowed = {p.value for p in presences}
        matching = [
            row
            for _, row, _ in self.rows.partition(queue_id)
            if row["Free"] >= units and row["Presence"] in allowed
        ]
        seen: dict[str, Candidate] = {}
        for row in matching[:limit]:
            if row["AgentId"] not in seen:
                seen[row["AgentId"]] = Candidate(row["AgentId"], skills_of_row(row.get("Skills")))
        return list(seen.values())

    def rebuild(
        self, queue_id: str, agents: Iterable[Agent], method: AssignmentMethod, now: datetime
    ) -> int:
        wanted = {
            key: row
            for agent in agents
            for key, row in self._rows(agent, {queue_id: method}, now).items()
        }
        fixed = 0
        for row_key, row, _ in self.rows.partition(queue_id):
            want = wanted.pop((queue_id, row_key), None)
            if want != row:
                if want is None:
                    self.rows.delete((queue_id, row_key))
                else:
                    self.rows.upsert((queue_id, row_key), want)
                fixed += 1
        for key, row in wanted.items():
            self.rows.upsert(key, row)
            fixed += 1
        return fixed
