"""Small secrets kept apart from the documents that use them (a webhook bot's HMAC key), sealed
under SECRETS_KEY like accounts' secrets, so a document can be shown and logged safely."""

from __future__ import annotations

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient

from ..secretbox import SecretBox


class SealedStore:
    def __init__(self, table: TableClient, partition: str, secrets: SecretBox) -> None:
        self._table = table
        self._partition = partition
        self._secrets = secrets

    def put(self, name: str, value: str) -> None:
        key_id, sealed = self._secrets.seal({"value": value}, context=f"{self._partition}:{name}")
        self._table.upsert_entity(
            {"PartitionKey": self._partition, "RowKey": name, "KeyId": key_id, "Sealed": sealed}
        )

    def get(self, name: str) -> str | None:
        try:
            entity = self._table.get_entity(self._partition, name)
        except ResourceNotFoundError:
            return None
        context = f"{self._partition}:{name}"
        return self._secrets.open(entity["KeyId"], entity["Sealed"], context=context)["value"]

    def delete(self, name: str) -> None:
        self._table.delete_entity(self._partition, name)
