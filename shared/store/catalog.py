"""Where the routing and assignment steps find workstreams, queues, capacity profiles and
agents.

Workstreams, queues and profiles change rarely and are read for every conversation, so they
are cached for a few seconds (changes through the admin API drop the cache at once in this
process). Capacity profiles live in the queues table, in their own partition.
Agents are never cached: their capacity is what the assign step reserves.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel

from shared.core.cache import CachedReader
from shared.model.agents import Agent
from shared.model.capacity_profiles import CapacityProfile
from shared.model.queues import AssignmentMethod, Queue
from shared.model.workstreams import Workstream
from shared.store.documents import DocumentStore

T = TypeVar("T", bound=BaseModel)


class RoutingCatalog:
    def __init__(
        self,
        workstreams: DocumentStore[Workstream],
        queues: DocumentStore[Queue],
        agents: DocumentStore[Agent],
        cache_seconds: float = 5.0,
        *,
        profiles: DocumentStore[CapacityProfile],
    ) -> None:
        self.workstreams = workstreams
        self.queues = queues
        self.agents = agents
        self.profiles = profiles
        self._profile: CachedReader[CapacityProfile] = CachedReader(
            lambda profile_id: _doc(profiles.get(profile_id)), cache_seconds
        )
        self._by_account: CachedReader[Workstream] = CachedReader(
            lambda account_id: workstreams.find("account", account_id), cache_seconds
        )
        self._workstream: CachedReader[Workstream] = CachedReader(
            lambda ws_id: _doc(workstreams.get(ws_id)), cache_seconds
        )
        self._queue: CachedReader[Queue] = CachedReader(
            lambda queue_id: _doc(queues.get(queue_id)), cache_seconds
        )

    def workstream_for_account(self, account_id: str) -> Workstream | None:
        return self._by_account.get(account_id)

    def workstream(self, workstream_id: str) -> Workstream | None:
        return self._workstream.get(workstream_id)

    def queue(self, queue_id: str) -> Queue | None:
        return self._queue.get(queue_id)

    def methods(self, queue_ids: list[str]) -> dict[str, AssignmentMethod]:
        """Each existing queue's assignment method (what the availability index sorts by)."""
        found = {queue_id: self.queue(queue_id) for queue_id in queue_ids}
        return {qid: queue.assignment_method for qid, queue in found.items() if queue}

    def profile(self, profile_id: str) -> CapacityProfile | None:
        return self._profile.get(profile_id)

    def agent(self, agent_id: str) -> Agent | None:
        return _doc(self.agents.get(agent_id))

    def forget(self) -> None:
        for cache in (self._by_account, self._workstream, self._queue, self._profile):
            cache.forget()


def _doc(found: tuple[T, str] | None) -> T | None:
    return found[0] if found else None
