"""The agent console's change feed: whose view changed, for a poll that costs one Table query
(docs/architecture.md §8).

All rows live in one partition of the ``changes`` table, one small row per thing a console
watches:

- ``a:<agentId>``: the agent's own conversations (held or parked), presence and capacity, and
  what the agent has read (the read markers live in this row, so marking read is the write that
  also tells the agent's other tabs);
- ``w:<queueId>``: the queue's waiting line (what an agent may pick);
- ``s:<queueId>``: every conversation of the queue, for its supervisors.

A writer upserts the rows its change touches in one transaction (one request, no read first).
No row is written by every change: each is one agent's or one queue's. A poll reads the rows
its agent watches in one query and hashes their ETags into a cursor, per kind of row; the same
cursor means nothing changed.

Bumps are best effort: a failed one is logged and the change it announces stands (a console
also refetches everything every minute).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Final, Literal

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.core import base64url
from shared.model.agents import Agent, AgentRole
from shared.model.conversations import Conversation, ConversationState, utc
from shared.store.entities import etag_of, get_text, if_match, lost_race, prefix_range, put_text
from shared.store.optimistic import ChangedError, retried

log = logging.getLogger(__name__)

PARTITION = "feed"
Kind = Literal["agent", "waiting", "supervised"]
AGENT: Final = "agent"
WAITING: Final = "waiting"
SUPERVISED: Final = "supervised"
KINDS: tuple[Kind, ...] = (AGENT, WAITING, SUPERVISED)
"""What a poll can report as changed, in the cursor's order."""
_PREFIX = {AGENT: "a:", WAITING: "w:", SUPERVISED: "s:"}
_DIGEST = 6  # bytes of each kind's hash in the cursor
CURSOR = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_MARKERS = 200
"""Read markers kept per agent, the most recently set ones."""
ROWS_PER_QUERY = 14
"""Table storage allows 15 comparisons in a filter: the partition's, and 14 row keys."""


def row_keys(conversation: Conversation) -> set[str]:
    """The rows a change to ``conversation`` touches: its agent's (and the agent it is offered
    to), and its queue's for supervisors and, while it waits in the queue, for the queue's
    waiting line."""
    keys = set()
    if conversation.agent_id:
        keys.add(_PREFIX[AGENT] + conversation.agent_id)
    if conversation.offer is not None:  # the agent it is offered to: their console tells them
        keys.add(_PREFIX[AGENT] + conversation.offer.agent_id)
    if conversation.queue_id:
        keys.add(_PREFIX[SUPERVISED] + conversation.queue_id)
        if conversation.state is ConversationState.OPEN:
            keys.add(_PREFIX[WAITING] + conversation.queue_id)
    return keys


def watched(agent: Agent) -> dict[str, list[str]]:
    """The rows an agent's console watches, by kind."""
    queue_ids = sorted(set(agent.queue_ids))
    return {
        AGENT: [_PREFIX[AGENT] + agent.id],
        WAITING: [_PREFIX[WAITING] + q for q in queue_ids],
        SUPERVISED: [_PREFIX[SUPERVISED] + q for q in queue_ids]
        if agent.role is AgentRole.SUPERVISOR
        else [],
    }


@dataclass(frozen=True)
class Poll:
    cursor: str
    changed: tuple[Kind, ...]
    """The kinds whose rows changed since the cursor given (all of them without one)."""


@dataclass(frozen=True)
class ReadMarker:
    lines: int
    """How many of the customer's lines the agent had read (``Conversation.customer_lines``)."""
    up_to: str | None
    """The line they read up to."""


class ChangeFeed:
    def __init__(self, table: TableClient, clock: Callable[[], float] = time.time) -> None:
        self._table = table
        self._clock = clock

    # --- writers ------------------------------------------------------------------------------

    def conversations(self, *conversations: Conversation | None) -> None:
        """Announce a change to a conversation (pass it before and after a move, so both the
        old and the new agent or queue hear of it)."""
        keys: set[str] = set()
        for conversation in conversations:
            if conversation is not None:
                keys |= row_keys(conversation)
        self._bump(keys)

    def agent(self, agent_id: str) -> None:
        """Announce a change to the agent itself (presence, capacity, queues)."""
        self._bump({_PREFIX[AGENT] + agent_id})

    def _bump(self, keys: Iterable[str]) -> None:
        ordered = sorted(keys)
        if not ordered:
            return
        now = utc(self._clock())
        operations: list[Any] = [
            (
                "upsert",
                {"PartitionKey": PARTITION, "RowKey": key, "At": now},
                {"mode": UpdateMode.MERGE},
            )
            for key in ordered
        ]
        try:
            self._table.submit_transaction(operations)
        except Exception as error:  # the change it announces has happened: never undo it
            log.warning(
                "change feed: could not bump %s: %s", ", ".join(ordered), type(error).__name__
            )

    # --- the poll -------------------------------------------------------------------------------

    def poll(self, agent: Agent, since: str | None) -> Poll:
        """The agent's cursor; which kinds changed since ``since``. One query while the agent
        watches at most ``ROWS_PER_QUERY`` rows (an agent of 13 queues, a supervisor of 6)."""
        rows = watched(agent)
        keys = [key for kind in KINDS for key in rows[kind]]
        etags: dict[str, str] = {}
        for start in range(0, len(keys), ROWS_PER_QUERY):
            etags.update(self._etags(keys[start : start + ROWS_PER_QUERY]))
        return _compare(rows, etags, since)

    def poll_supervision(
        self, queue_ids: list[str], agent_ids: list[str], since: str | None
    ) -> Poll:
        """A supervisor's cursor: the conversations of ``queue_ids`` (``supervised``) and the
        agents ``agent_ids`` (``agent``: presence, capacity, what they hold)."""
        rows = {
            AGENT: [_PREFIX[AGENT] + a for a in sorted(set(agent_ids))],
            WAITING: [],
            SUPERVISED: [_PREFIX[SUPERVISED] + q for q in sorted(set(queue_ids))],
        }
        return _compare(rows, self._partition_etags(), since)

    def poll_everything(self, since: str | None) -> Poll:
        """The admin's cursor: every queue's conversations and every agent."""
        etags = self._partition_etags()
        rows = {
            AGENT: sorted(k for k in etags if k.startswith(_PREFIX[AGENT])),
            WAITING: [],
            SUPERVISED: sorted(k for k in etags if k.startswith(_PREFIX[SUPERVISED])),
        }
        return _compare(rows, etags, since)

    def _partition_etags(self) -> dict[str, str]:
        """Every row's ETag in one query: the partition holds one small row per agent and two
        per queue (only the keys are selected, not the agents' read markers)."""
        entities = self._table.query_entities(
            "PartitionKey eq @p", parameters={"p": PARTITION}, select=["RowKey"]
        )
        return {entity["RowKey"]: etag_of(entity) for entity in entities}

    def _etags(self, keys: list[str]) -> dict[str, str]:
        # The SDK substitutes @names between spaces: keep parentheses apart from them.
        either = " or ".join(f"RowKey eq @k{i}" for i in range(len(keys)))
        entities = self._table.query_entities(
            f"PartitionKey eq @p and ( {either} )",
            parameters={"p": PARTITION, **{f"k{i}": key for i, key in enumerate(keys)}},
            select=["RowKey"],
        )
        return {entity["RowKey"]: etag_of(entity) for entity in entities}

    # --- read markers (in the agent's row) ------------------------------------------------------

    def read_markers(self, agent_id: str) -> dict[str, ReadMarker]:
        return self._markers(self._agent_row(agent_id))

    def mark_read(self, agent_id: str, conversation_id: str, marker: ReadMarker) -> ReadMarker:
        """Keep ``marker`` for the conversation unless the agent had read further already; the
        write bumps the agent's row too → the marker kept."""

        def attempt() -> ReadMarker:
            entity = self._agent_row(agent_id)
            markers = self._markers(entity)
            kept = markers.pop(conversation_id, None)
            if kept is None or marker.lines > kept.lines:
                kept = marker
            markers[conversation_id] = kept  # last: the most recently marked
            recent = dict(list(markers.items())[-MAX_MARKERS:])
            etag = entity.metadata["etag"] if entity is not None else None
            try:
                self._write_markers(_PREFIX[AGENT] + agent_id, recent, etag)
            except HttpResponseError as error:
                if lost_race(error):
                    raise ChangedError(agent_id) from None  # a bump or another tab wrote first
                raise
            return kept

        return retried(
            attempt, exhausted=RuntimeError(f"the read markers of agent {agent_id} kept changing")
        )

    def forget(self, conversation_ids: Iterable[str]) -> int:
        """Drop every agent's markers for conversations that are being purged → how many."""
        gone = set(conversation_ids)
        dropped = 0
        if not gone:
            return dropped
        rows = self._table.query_entities(
            "PartitionKey eq @p and RowKey ge @lo and RowKey lt @hi",
            parameters={"p": PARTITION, **prefix_range(_PREFIX[AGENT])},
        )
        for entity in rows:
            if gone & self._markers(entity).keys():
                dropped += self._drop(entity["RowKey"], gone)
        return dropped

    def _drop(self, row_key: str, gone: set[str]) -> int:
        def attempt() -> int:
            entity = self._table.get_entity(PARTITION, row_key)
            markers = self._markers(entity)
            kept = {cid: marker for cid, marker in markers.items() if cid not in gone}
            try:
                self._write_markers(row_key, kept, entity.metadata["etag"])
            except HttpResponseError as error:
                if lost_race(error):
                    raise ChangedError(row_key) from None
                raise
            return len(markers) - len(kept)

        return retried(
            attempt, exhausted=RuntimeError(f"the read markers in {row_key} kept changing")
        )

    def _write_markers(
        self, row_key: str, markers: dict[str, ReadMarker], etag: str | None
    ) -> None:
        """Write the row's markers (creating the row without ``etag``); a bump too."""
        row: dict[str, Any] = {
            "PartitionKey": PARTITION,
            "RowKey": row_key,
            "At": utc(self._clock()),
        }
        put_text(
            row,
            "Reads",
            json.dumps(
                {cid: [m.lines, m.up_to] for cid, m in markers.items()}, separators=(",", ":")
            ),
        )
        if etag is None:
            self._table.create_entity(row)
        else:
            self._table.update_entity(row, **if_match(etag, UpdateMode.REPLACE))

    def _agent_row(self, agent_id: str) -> Any:
        try:
            return self._table.get_entity(PARTITION, _PREFIX[AGENT] + agent_id)
        except ResourceNotFoundError:
            return None

    @staticmethod
    def _markers(entity: Any) -> dict[str, ReadMarker]:
        text = get_text(entity, "Reads") if entity is not None else ""
        try:
            stored = json.loads(text) if text else {}
        except ValueError:
            return {}
        return {
            cid: ReadMarker(int(value[0]), value[1])
            for cid, value in stored.items()
            if isinstance(value, list) and len(value) == 2
        }


def _compare(rows: dict[str, list[str]], etags: dict[str, str], since: str | None) -> Poll:
    digests = [_digest(rows[kind], etags) for kind in KINDS]
    cursor = base64url.encode(b"".join(digests))
    before = _digests(since)
    if before is None:
        return Poll(cursor, tuple(kind for kind in KINDS if rows[kind]))
    changed = tuple(k for k, old, new in zip(KINDS, before, digests, strict=True) if old != new)
    return Poll(cursor, changed)


def _digest(keys: list[str], etags: dict[str, str]) -> bytes:
    text = "\n".join(f"{key}={etags.get(key, '')}" for key in keys)
    return hashlib.sha256(text.encode()).digest()[:_DIGEST]


def _digests(cursor: str | None) -> list[bytes] | None:
    """The per-kind hashes in a cursor we handed out; None for anything else."""
    if not cursor:
        return None
    try:
        raw = base64url.decode(cursor)
    except base64url.Base64UrlError:
        return None
    if len(raw) != _DIGEST * len(KINDS):
        return None
    return [raw[i : i + _DIGEST] for i in range(0, len(raw), _DIGEST)]
