"""Which agents of a queue could take a conversation now, in the order the queue's method
would choose them, so the assign step reads a handful of rows instead of every agent.

One partition per queue, one row per enabled agent with free capacity and a presence other
than offline, whose console has polled lately (``Agent.routing_presence``): however many agents
stop polling, they never fill the few candidates a step reads. The row key sorts by the method:
  highestCapacity: most free capacity first, then longest since the last assignment;
  roundRobin:      longest since the last assignment;
  leastActive:     longest since capacity was last freed.
The agent document stays the truth (its ETag guards capacity): a stale row only costs a
wasted read, and the maintenance sweep rebuilds every queue's rows from the agents. A row
carries the agent's skills too, so ranking candidates by skill reads no agent document.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from azure.data.tables import TableClient

from shared.model.agents import Agent, Presence
from shared.model.queues import AssignmentMethod
from shared.model.skills import HeldSkill
from shared.store.entities import first_page

_MAX_FREE = 10**6


def _ms(moment: datetime | None) -> int:
    return int(moment.timestamp() * 1000) if moment else 0


def availability_key(agent: Agent, method: AssignmentMethod) -> str:
    if method is AssignmentMethod.LEAST_ACTIVE:
        return f"{_ms(agent.last_freed_at):015d}|{agent.id}"
    if method is AssignmentMethod.ROUND_ROBIN:
        return f"{_ms(agent.last_assigned_at):015d}|{agent.id}"
    return f"{_MAX_FREE - agent.free_capacity:07d}|{_ms(agent.last_assigned_at):015d}|{agent.id}"


def is_listed(agent: Agent, now: datetime) -> bool:
    return (
        not agent.disabled
        and agent.routing_presence(now) is not Presence.OFFLINE
        and agent.free_capacity > 0
    )


def skills_text(agent: Agent) -> str:
    return json.dumps(
        {skill.name: skill.rating for skill in agent.skills},
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def skills_of_row(text: object) -> list[HeldSkill] | None:
    if not isinstance(text, str):
        return None
    return [HeldSkill(name=name, rating=rating) for name, rating in json.loads(text).items()]


@dataclass(frozen=True)
class Candidate:
    agent_id: str
    skills: list[HeldSkill] | None
    """None for a row written before rows carried skills: the agent document has them."""


class AvailabilityIndex:
    def __init__(self, table: TableClient) -> None:
        self._table = table

    def _rows(
        self, agent: Agent | None, methods: Mapping[str, AssignmentMethod], now: datetime
    ) -> dict[tuple[str, str], dict[str, Any]]:
        if agent is None or not is_listed(agent, now):
            return {}
        rows = {}
        for queue_id in agent.queue_ids:
            method = methods.get(queue_id)
            if method is None:
                continue  # the queue does not exist (any more)
            key = availability_key(agent, method)
            rows[(queue_id, key)] = {
                "PartitionKey": queue_id,
                "RowKey": key,
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
        """Move the agent's rows from where ``before`` put them to where ``after`` does, both
        read at ``now`` (a console back from quiet is listed again by its poll's write)."""
        old, new = self._rows(before, methods, now), self._rows(after, methods, now)
        for key, row in new.items():
            if key not in old or old[key] != row:
                self._table.upsert_entity(row)
        for queue_id, row_key in old.keys() - new.keys():
            self._table.delete_entity(queue_id, row_key)

    def candidates(
        self, queue_id: str, *, units: int, presences: Iterable[Presence], limit: int = 8
    ) -> list[str]:
        """Up to ``limit`` agent ids, best first, that look able to take ``units`` now."""
        listed = self.listed(queue_id, units=units, presences=presences, limit=limit)
        return [candidate.agent_id for candidate in listed]

    def listed(
        self, queue_id: str, *, units: int, presences: Iterable[Presence], limit: int = 8
    ) -> list[Candidate]:
        """``candidates`` with the skills their rows carry."""
        allowed = [p.value for p in presences]
        if not allowed:
            return []
        # The SDK substitutes @names between spaces: keep parentheses apart from them.
        presence_filter = " or ".join(f"Presence eq @p{i}" for i in range(len(allowed)))
        parameters: dict[str, Any] = {"q": queue_id, "units": units}
        parameters.update({f"p{i}": value for i, value in enumerate(allowed)})
        pages = self._table.query_entities(
            f"PartitionKey eq @q and Free ge @units and ( {presence_filter} )",
            parameters=parameters,
            results_per_page=limit,
            select=["AgentId", "Skills"],
        ).by_page()
        seen: dict[str, Candidate] = {}
        for entity in first_page(pages):
            agent_id = entity["AgentId"]
            if agent_id not in seen:
                seen[agent_id] = Candidate(agent_id, skills_of_row(entity.get("Skills")))
        return list(seen.values())

    def rebuild(
        self, queue_id: str, agents: Iterable[Agent], method: AssignmentMethod, now: datetime
    ) -> int:
        """Make a queue's rows exactly what ``agents`` imply at ``now``; returns how many were
        fixed (quiet consoles' rows leave here)."""
        wanted = {
            row_key: row
            for agent in agents
            for (_, row_key), row in self._rows(agent, {queue_id: method}, now).items()
        }
        fixed = 0
        for entity in self._table.query_entities("PartitionKey eq @q", parameters={"q": queue_id}):
            row = wanted.pop(entity["RowKey"], None)
            if row is None:
                self._table.delete_entity(queue_id, entity["RowKey"])
                fixed += 1
            elif {k: entity.get(k) for k in row} != row:
                self._table.upsert_entity(row)
                fixed += 1
        for row in wanted.values():
            self._table.upsert_entity(row)
            fixed += 1
        return fixed
