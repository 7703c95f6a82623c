"""When each conversation's typing indicator was last sent to WeChat: one row per conversation.

The row is what lets the server, not each console, decide whether a Typing or CancelTyping goes
out (docs/protocol.md §6.2: the indicator shows for 15 s and may not be sent again meanwhile).
A write is conditional on the row read (its ETag, or that there was none), so of two consoles
that decide at the same moment exactly one wins and sends.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from datetime import datetime
from typing import NamedTuple

from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.store.entities import if_match, lost_race

_PARTITION = "typing"


class TypingState(NamedTuple):
    typed_at: datetime
    """When the last ``Typing`` went to WeChat."""
    showing: bool
    """Whether it is still in effect as far as we know (no ``CancelTyping`` since)."""


class TypingTable:
    def __init__(self, table: TableClient) -> None:
        self._table = table

    def read(self, conversation_id: str) -> TypingState | None:
        with suppress(ResourceNotFoundError):
            entity = self._table.get_entity(_PARTITION, conversation_id)
            return TypingState(entity["TypedAt"], bool(entity["Showing"]))
        return None

    def claim(
        self,
        conversation_id: str,
        decide: Callable[[TypingState | None], TypingState | None],
    ) -> TypingState | None:
        """``decide(current)`` → the state to write, or None to do nothing; the state written,
        or None when ``decide`` declined or another writer changed the row first (it has
        decided for this moment: the caller does nothing either, rather than retry)."""
        etag: str | None = None
        current: TypingState | None = None
        with suppress(ResourceNotFoundError):
            entity = self._table.get_entity(_PARTITION, conversation_id)
            etag = entity.metadata["etag"]
            current = TypingState(entity["TypedAt"], bool(entity["Showing"]))
        wanted = decide(current)
        if wanted is None:
            return None
        row = {
            "PartitionKey": _PARTITION,
            "RowKey": conversation_id,
            "TypedAt": wanted.typed_at,
            "Showing": wanted.showing,
        }
        try:
            if etag is None:
                self._table.create_entity(row)
            else:
                self._table.update_entity(row, **if_match(etag, UpdateMode.REPLACE))
        except HttpResponseError as error:
            if lost_race(error):
                return None
            raise
        return wanted

    def forget(self, conversation_id: str) -> None:
        """Drop the row (its conversation is being deleted)."""
        with suppress(ResourceNotFoundError):
            self._table.delete_entity(_PARTITION, conversation_id)
