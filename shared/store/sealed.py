"""Small secrets kept apart from the documents that use them (a webhook bot's HMAC key), sealed
under SECRETS_KEY like accounts' secrets, so a document can be shown and logged safely."""

from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient

from shared.core.secretbox import SecretBox, purpose_context


class SealedStore:
    def __init__(self, table: TableClient, partition: str, purpose: str, secrets: SecretBox):
        """``purpose`` ("bot-secret") goes into each value's associated data with its row."""
        self._table = table
        self._partition = partition
        self._purpose = purpose
        self._secrets = secrets

    def _context(self, name: str) -> str:
        return purpose_context(self._purpose, partition=self._partition, name=name)

    def put(self, name: str, value: str) -> None:
        key_id, sealed = self._secrets.seal({"value": value}, context=self._context(name))
        self._table.upsert_entity(
            {"PartitionKey": self._partition, "RowKey": name, "KeyId": key_id, "Sealed": sealed}
        )

    def get(self, name: str) -> str | None:
        """The value, or None; ``SecretBoxError`` when the row does not open."""
        try:
            entity = self._table.get_entity(self._partition, name)
        except ResourceNotFoundError:
            return None
        return self._secrets.open(entity["KeyId"], entity["Sealed"], self._context(name))["value"]

    def delete(self, name: str) -> None:
        self._table.delete_entity(self._partition, name)
