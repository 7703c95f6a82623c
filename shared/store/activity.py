"""What each account's callback has seen lately, for the go-live check: the last successful URL
verification, the last push accepted and the last one refused.

One row per account in the accounts table (partition ``activity``, so the account listing never
reads it), merged property by property: a verification and a push never overwrite each other's
columns. Writers keep this off the hot path themselves (see ``shared.channel.golive``).
"""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Any, NamedTuple

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

PARTITION = "activity"


class ChannelActivity(NamedTuple):
    verified_at: datetime | None = None
    pushed_at: datetime | None = None
    push_encrypted: bool | None = None
    refused_at: datetime | None = None
    refused_code: str | None = None
    refused_message: str | None = None


class ActivityStore:
    def __init__(self, table: TableClient) -> None:
        self._table = table

    def _merge(self, account_id: str, properties: dict[str, Any]) -> None:
        self._table.upsert_entity(
            {"PartitionKey": PARTITION, "RowKey": account_id, **properties}, mode=UpdateMode.MERGE
        )

    def verified(self, account_id: str, at: datetime) -> None:
        self._merge(account_id, {"VerifiedAt": at})

    def pushed(self, account_id: str, at: datetime, *, encrypted: bool) -> None:
        self._merge(account_id, {"PushedAt": at, "PushEncrypted": encrypted})

    def refused(self, account_id: str, at: datetime, code: str, message: str) -> None:
        self._merge(
            account_id, {"RefusedAt": at, "RefusedCode": code, "RefusedMessage": message[:500]}
        )

    def read(self, account_id: str) -> ChannelActivity:
        try:
            row = self._table.get_entity(PARTITION, account_id)
        except ResourceNotFoundError:
            return ChannelActivity()
        return ChannelActivity(
            verified_at=row.get("VerifiedAt"),
            pushed_at=row.get("PushedAt"),
            push_encrypted=row.get("PushEncrypted"),
            refused_at=row.get("RefusedAt"),
            refused_code=row.get("RefusedCode"),
            refused_message=row.get("RefusedMessage"),
        )

    def forget(self, account_id: str) -> None:
        with suppress(ResourceNotFoundError):
            self._table.delete_entity(PARTITION, account_id)
