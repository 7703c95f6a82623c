"""Every push as it arrived, keyed by its dedupe key: the record that makes delivery exactly-once;
and every signed (timestamp, nonce) a push or a URL verification came with, which makes a
replay detectable.

The insert is conditional (create fails if the row exists), so identical pushes that overlap,
as WeChat's retries can, store one row: there is no check-then-insert window to race through.

A push's URL signature covers only the token, timestamp and nonce, so anyone who saw one signed
URL could send another body with it while the timestamp is fresh. Each push therefore also
records its ``nonce:<timestamp>:<nonce>`` row, naming (by hash) the push it carried, in the
same partition and the same transaction as the push row: one round trip, as before. The same
timestamp and nonce coming back with the same push is a retry; with another push, a replay.
"""

from __future__ import annotations

import hashlib
from contextlib import suppress
from datetime import datetime
from enum import Enum
from typing import Any, NamedTuple

from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError

from shared.store.entities import (
    etag_of,
    get_text,
    if_match,
    int64,
    lost_race,
    prefix_range,
    put_text,
    row_key,
)
from shared.store.optimistic import ChangedError, retried
from shared.wechat import InboundMessage

_NONCE = "nonce:"


class InboundPush(NamedTuple):
    account_id: str
    key: str
    xml: str
    received_at: datetime
    encrypted: bool
    retries: int = 0
    """How many times WeChat sent it again (``count_retry``)."""
    retried_at: datetime | None = None


class Arrival(Enum):
    NEW = "new"
    RETRY = "retry"
    """Stored before (WeChat retries until it sees an answer): file it again, idempotently."""
    REPLAY = "replay"
    """The push's signed timestamp and nonce came with another push before: refuse it."""


class SignedUrl(NamedTuple):
    """The signed parts of a push's URL, remembered until the timestamp is stale anyway."""

    timestamp: str
    nonce: str
    expires_at: datetime


class InboundStore:
    def __init__(self, table: TableClient) -> None:
        self._table = table

    def add(
        self,
        account_id: str,
        message: InboundMessage,
        xml: str,
        *,
        encrypted: bool,
        received_at: datetime,
        signed: SignedUrl,
    ) -> tuple[str, Arrival]:
        """Store the push and its signed URL parts unless they are there → (row key, arrival).

        On a replay nothing is written."""
        key = row_key(message.dedupe_key)
        entity: dict[str, Any] = {
            "PartitionKey": account_id,
            "RowKey": key,
            "MsgType": message.msg_type,
            "FromUserName": message.from_user_name,
            "CreateTime": int64(message.create_time),
            "Encrypted": encrypted,
            "ReceivedAt": received_at,
        }
        put_text(entity, "Xml", xml)
        nonce = _nonce_row(account_id, signed, _fingerprint(key))
        try:
            self._table.submit_transaction([("create", nonce), ("create", entity)])
        except TableTransactionError as error:
            if error.status_code != 409:
                raise
            return key, self._settle(nonce)
        return key, Arrival.NEW

    def count_retry(self, account_id: str, key: str, at: datetime) -> None:
        """Count one more arrival of a stored push (WeChat retrying), for its conversation's
        timeline: the conversation step, which the retry re-enqueues, records it there."""

        def attempt() -> None:
            try:
                row = self._table.get_entity(account_id, key, select=["Retries"])
            except ResourceNotFoundError:
                return  # erased meanwhile
            change = {
                "PartitionKey": account_id,
                "RowKey": key,
                "Retries": int(row.get("Retries") or 0) + 1,
                "RetriedAt": at,
            }
            try:
                self._table.update_entity(change, **if_match(etag_of(row)))
            except HttpResponseError as error:
                if lost_race(error):
                    raise ChangedError(key) from None
                raise

        retried(attempt)

    def remember_verification(self, account_id: str, signed: SignedUrl) -> None:
        """A URL verification GET's signed parts, so that no push can come with them."""
        with suppress(ResourceExistsError):  # the same GET again
            self._table.create_entity(_nonce_row(account_id, signed, _VERIFICATION))

    def _settle(self, nonce: dict[str, Any]) -> Arrival:
        """After a conflict: which row was there decides between a retry and a replay."""
        try:
            seen = self._table.get_entity(nonce["PartitionKey"], nonce["RowKey"])
        except ResourceNotFoundError:
            # The push is stored and came back with a fresh nonce: WeChat retrying.
            try:
                self._table.create_entity(nonce)
            except ResourceExistsError:
                return self._settle(nonce)  # a twin request raced us to it
            return Arrival.RETRY
        # The same request again (its push row came with it), or another push with its URL.
        return Arrival.RETRY if seen.get("Push") == nonce["Push"] else Arrival.REPLAY

    def remove_expired_nonces(self, now: datetime) -> int:
        """Delete the signed-URL rows whose timestamps are past the tolerance anyway."""
        removed = 0
        for row in self._table.query_entities(
            "RowKey ge @lo and RowKey lt @hi and ExpiresAt lt @now",
            parameters={**prefix_range(_NONCE), "now": now},
            select=["PartitionKey", "RowKey"],
        ):
            self._table.delete_entity(row["PartitionKey"], row["RowKey"])
            removed += 1
        return removed

    def remove_from(self, account_id: str, open_id: str) -> list[str]:
        """Delete every push a customer sent to an account → their keys."""
        keys = []
        for entity in self._table.query_entities(
            "PartitionKey eq @a and FromUserName eq @o",
            parameters={"a": account_id, "o": open_id},
            select=["PartitionKey", "RowKey"],
        ):
            self._table.delete_entity(account_id, entity["RowKey"])
            keys.append(entity["RowKey"])
        return keys

    def remove_before(self, cutoff: datetime) -> int:
        """Delete pushes received before ``cutoff`` (long past any retry of WeChat's)."""
        removed = 0
        for entity in self._table.query_entities(
            "ReceivedAt lt @cut", parameters={"cut": cutoff}, select=["PartitionKey", "RowKey"]
        ):
            self._table.delete_entity(entity["PartitionKey"], entity["RowKey"])
            removed += 1
        return removed

    def get(self, account_id: str, key: str) -> InboundPush | None:
        try:
            entity = self._table.get_entity(account_id, key)
        except ResourceNotFoundError:
            return None
        return InboundPush(
            account_id=account_id,
            key=key,
            xml=get_text(entity, "Xml"),
            received_at=entity["ReceivedAt"],
            encrypted=entity.get("Encrypted", False),
            retries=int(entity.get("Retries") or 0),
            retried_at=entity.get("RetriedAt"),
        )


def _fingerprint(key: str) -> str:
    """Names the push without its OpenID (event keys carry one)."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


_VERIFICATION = "verification"
"""What a verification GET's nonce row names instead of a push."""


def _nonce_row(account_id: str, signed: SignedUrl, came_with: str) -> dict[str, Any]:
    return {
        "PartitionKey": account_id,
        "RowKey": _NONCE + row_key(f"{signed.timestamp}:{signed.nonce}"),
        "Push": came_with,
        "ExpiresAt": signed.expires_at,
    }
