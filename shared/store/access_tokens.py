"""Each account's access token, shared by every worker of the deployment (docs/protocol.md §7).

One row per account holds the token (sealed like other secrets), its expiry, a generation
that grows with every refresh, and a lease naming the one worker allowed to refresh now.
Taking the lease is a conditional write, so two workers never both fetch a token — which,
with the classic token API, would invalidate each other's (docs/protocol.md §12).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from azure.core.exceptions import (
    HttpResponseError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, UpdateMode

from shared.core.secretbox import SecretBox, SecretBoxError, purpose_context
from shared.store.entities import etag_of, if_match, int64, lost_race, plain
from shared.store.leases import held_by_other

_ROW = "access"
log = logging.getLogger(__name__)


def _context(account_id: str) -> str:
    return purpose_context("access-token", accountId=account_id)


@dataclass(frozen=True)
class AccessTokenRow:
    token: str | None
    expires_at: datetime | None
    generation: int
    lease_owner: str | None
    lease_until: datetime | None
    etag: str | None

    def valid_at(self, moment: datetime) -> str | None:
        """The token, if it is still valid at ``moment``."""
        if self.token is not None and self.expires_at is not None and self.expires_at > moment:
            return self.token
        return None

    def leased_by_other(self, owner: str, now: datetime) -> bool:
        return held_by_other(self.lease_owner, self.lease_until, owner, now)


class AccessTokenTable:
    def __init__(self, table: TableClient, secrets: SecretBox) -> None:
        self._table = table
        self._secrets = secrets

    def read(self, account_id: str) -> AccessTokenRow:
        try:
            entity = self._table.get_entity(account_id, _ROW)
        except ResourceNotFoundError:
            return AccessTokenRow(None, None, 0, None, None, None)
        token = None
        if entity.get("Sealed"):
            try:
                token = self._secrets.open(
                    entity["KeyId"], entity["Sealed"], context=_context(account_id)
                )["token"]
            except SecretBoxError as error:
                # Only a cache of what WeChat hands out: treated as absent, fetched again.
                log.error("access token of account %s is unusable: %s", account_id, error)
        return AccessTokenRow(
            token=token,
            expires_at=entity.get("ExpiresAt"),
            generation=plain(entity.get("Generation", 0)),
            lease_owner=entity.get("LeaseOwner") or None,
            lease_until=entity.get("LeaseUntil"),
            etag=entity.metadata["etag"],
        )

    def take_lease(
        self, account_id: str, row: AccessTokenRow, owner: str, until: datetime
    ) -> str | None:
        """Lease the refresh to ``owner`` if ``row`` is still current → the new ETag, or None."""
        entity = {
            "PartitionKey": account_id,
            "RowKey": _ROW,
            "LeaseOwner": owner,
            "LeaseUntil": until,
        }
        try:
            if row.etag is None:
                written = self._table.create_entity({**entity, "Generation": int64(0)})
            else:
                written = self._table.update_entity(entity, **if_match(row.etag))
        except HttpResponseError as error:
            if lost_race(error):
                return None
            raise
        return etag_of(written)

    def store(
        self, account_id: str, etag: str, token: str, expires_at: datetime, generation: int
    ) -> bool:
        """Write a freshly fetched token and end the lease, if the lease is still ours."""
        key_id, sealed = self._secrets.seal({"token": token}, context=_context(account_id))
        entity = {
            "PartitionKey": account_id,
            "RowKey": _ROW,
            "Sealed": sealed,
            "KeyId": key_id,
            "ExpiresAt": expires_at,
            "Generation": int64(generation),
        }  # REPLACE drops the lease properties: the lease ends with the write
        try:
            self._table.update_entity(entity, **if_match(etag, UpdateMode.REPLACE))
        except HttpResponseError as error:
            if lost_race(error):
                return False
            raise
        return True

    def forget(self, account_id: str) -> None:
        self._table.delete_entity(account_id, _ROW)
