"""Every push as it arrived, keyed by its dedupe key: the record that makes delivery exactly-once.

The insert is conditional (create fails if the row exists), so identical pushes that overlap,
as WeChat's retries can, store one row: there is no check-then-insert window to race through.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableClient

from ..wechat import InboundMessage
from .entities import get_text, int64, put_text, row_key


class InboundPush(NamedTuple):
    account_id: str
    key: str
    xml: str
    received_at: datetime
    encrypted: bool


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
    ) -> tuple[str, bool]:
        """Store the push unless it is there already → (row key, whether it was new)."""
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
        try:
            self._table.create_entity(entity)
        except ResourceExistsError:
            return key, False
        return key, True

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
        )
