"""ChangeFeed in memory: one version per watched row, bumped by the same writes, polled through
the real cursor code, so a fake-backed test sees exactly which consoles hear of a change."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from shared.model.agents import Agent
from shared.model.conversations import Conversation
from shared.store.changes import Poll, _compare, row_keys, watched


class FakeChangeFeed:
    """The writers and the agent's poll; read markers and the supervisors' polls are not here."""

    def __init__(self) -> None:
        self.versions: Counter[str] = Counter()
        """Row key (``a:<agentId>``, ``w:<queueId>``, ``s:<queueId>``) → times bumped."""

    def conversations(self, *conversations: Conversation | None) -> None:
        keys: set[str] = set()
        for conversation in conversations:
            if conversation is not None:
                keys |= row_keys(conversation)
        self._bump(keys)

    def agent(self, agent_id: str) -> None:
        self._bump({"a:" + agent_id})

    def _bump(self, keys: Iterable[str]) -> None:
        self.versions.update(keys)

    def poll(self, agent: Agent, since: str | None) -> Poll:
        rows = watched(agent)
        keys = [key for keyed in rows.values() for key in keyed]
        etags = {key: str(self.versions[key]) for key in keys if key in self.versions}
        return _compare(rows, etags, since)
