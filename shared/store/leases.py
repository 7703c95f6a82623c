"""Short leases: "only one worker does this now" across every instance of the deployment.

A lease is a row whose owner and expiry are set by a conditional write; an expired lease can
be taken over, so a worker that dies holds nothing for longer than the lease.
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime

from azure.core import MatchConditions
from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, UpdateMode

from shared.store.entities import etag_of, if_match, lost_race


def held_by_other(holder: str | None, until: datetime | None, owner: str, now: datetime) -> bool:
    """Whether someone other than ``owner`` holds a lease that has not yet run out."""
    return bool(holder and holder != owner and until and until > now)


class Leases:
    def __init__(self, table: TableClient, kind: str) -> None:
        self._table = table
        self._kind = kind

    def acquire(self, name: str, owner: str, now: datetime, until: datetime) -> str | None:
        """The lease's ETag if ``owner`` now holds it, None if someone else does."""
        entity = {"PartitionKey": self._kind, "RowKey": name, "Owner": owner, "Until": until}
        try:
            current = self._table.get_entity(self._kind, name)
        except ResourceNotFoundError:
            try:
                return etag_of(self._table.create_entity(entity))
            except ResourceExistsError:
                return None
        if held_by_other(current.get("Owner"), current.get("Until"), owner, now):
            return None
        try:
            written = self._table.update_entity(
                entity, **if_match(current.metadata["etag"], UpdateMode.REPLACE)
            )
        except HttpResponseError as error:
            if lost_race(error):
                return None
            raise
        return etag_of(written)

    def forget(self, name: str) -> None:
        """Drop the lease whoever holds it (its subject is being deleted)."""
        self._table.delete_entity(self._kind, name)

    def release(self, name: str, etag: str) -> None:
        """Give the lease back (if it has not been taken over meanwhile)."""
        with suppress(HttpResponseError):  # taken over or gone: nothing of ours to give back
            self._table.delete_entity(
                self._kind, name, etag=etag, match_condition=MatchConditions.IfNotModified
            )
