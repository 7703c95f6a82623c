"""Each conversation's timeline (``shared.model.timeline``): one partition per conversation, one
row per event, read in order.

A row key is the event's time, its kind's rank and a hash of what it is about, so rows sort by
time and a step that runs again (a redelivered queue message) finds its rows there instead
of adding to them: the steps pass the time they stored for the thing itself (a push's arrival, an
assignment's time), not the time of the rerun. A write that fails is logged and dropped: the
timeline is diagnostics and must never fail the step that writes it.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient

from shared.model.timeline import KIND_ORDER, EventDetails, EventKind, TimelineEvent

log = logging.getLogger(__name__)

_DETAILS = tuple(EventDetails.model_fields)


def _camel(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


class TimelineStore:
    """``TimelineStore(None)`` records nothing (``UNRECORDED``: steps built without one)."""

    def __init__(self, table: TableClient | None) -> None:
        self._table = table

    def record(
        self,
        conversation_id: str,
        kind: EventKind,
        at: datetime,
        *,
        about: str,
        outcome: str | None = None,
        **details: Any,
    ) -> None:
        """Write one event once: the same kind, time and ``about`` name the same row, and the
        first write of it stands."""
        if self._table is None:
            return
        try:
            event = TimelineEvent(
                conversation_id=conversation_id,
                kind=kind,
                at=at,
                about=about,
                outcome=outcome,
                details=EventDetails(**details),
            )
            self._table.create_entity(_entity(event))
        except ResourceExistsError:
            pass  # a rerun of the step: the first write stands
        except Exception as error:  # diagnostics: never the step's failure
            log.warning(
                "conversation %s: its %s event was not recorded (%s)",
                conversation_id,
                kind,
                type(error).__name__,
            )

    def events(self, conversation_id: str) -> list[TimelineEvent]:
        """Every event of the conversation, oldest first."""
        if self._table is None:
            return []
        rows = self._table.query_entities("PartitionKey eq @p", parameters={"p": conversation_id})
        return [_event(row) for row in sorted(rows, key=lambda row: str(row["RowKey"]))]

    def remove(self, conversation_id: str) -> int:
        """Delete the conversation's events (erasure, retention) → how many."""
        if self._table is None:
            return 0
        removed = 0
        for row in self._table.query_entities(
            "PartitionKey eq @p",
            parameters={"p": conversation_id},
            select=["PartitionKey", "RowKey"],
        ):
            self._table.delete_entity(row["PartitionKey"], row["RowKey"])
            removed += 1
        return removed


def _row_key(event: TimelineEvent) -> str:
    at = event.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    about = hashlib.sha256(event.about.encode("utf-8")).hexdigest()[:16]
    return f"{at}~{KIND_ORDER[event.kind]:02d}~{about}"


def _entity(event: TimelineEvent) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "PartitionKey": event.conversation_id,
        "RowKey": _row_key(event),
        "Kind": event.kind.value,
        "At": event.at,
        "About": event.about,
    }
    if event.outcome is not None:
        entity["Outcome"] = event.outcome
    for name, value in event.details.model_dump(exclude_none=True).items():
        entity[_camel(name)] = value
    return entity


def _event(row: dict[str, Any]) -> TimelineEvent:
    details = {name: row[_camel(name)] for name in _DETAILS if row.get(_camel(name)) is not None}
    return TimelineEvent(
        conversation_id=row["PartitionKey"],
        kind=EventKind(row["Kind"]),
        at=row["At"],
        about=row.get("About", ""),
        outcome=row.get("Outcome"),
        details=EventDetails(**details),
    )


UNRECORDED = TimelineStore(None)
