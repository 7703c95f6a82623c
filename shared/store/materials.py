"""The records of an account's permanent images (``shared.model.materials``): one partition per
account, one row per material, as JSON, so listing an account's library is one query."""

from __future__ import annotations

import json

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient

from shared.model.materials import Material


class MaterialStore:
    def __init__(self, table: TableClient) -> None:
        self._table = table

    def add(self, material: Material) -> None:
        self._table.create_entity(
            {
                "PartitionKey": material.account_id,
                "RowKey": material.id,
                "Material": json.dumps(material.json_body(), ensure_ascii=False),
            }
        )

    def get(self, account_id: str, material_id: str) -> Material | None:
        try:
            entity = self._table.get_entity(account_id, material_id)
        except ResourceNotFoundError:
            return None
        return Material.model_validate_json(entity["Material"])

    def list(self, account_id: str) -> list[Material]:
        """Oldest first (ids sort by creation)."""
        rows = self._table.query_entities(
            "PartitionKey eq @account", parameters={"account": account_id}
        )
        found = [Material.model_validate_json(row["Material"]) for row in rows]
        return sorted(found, key=lambda m: m.id)

    def remove(self, account_id: str, material_id: str) -> None:
        self._table.delete_entity(account_id, material_id)

    def remove_all(self, account_id: str) -> None:
        """Every record of the account's (a deleted account's)."""
        for row in self._table.query_entities(
            "PartitionKey eq @account", parameters={"account": account_id}, select=["RowKey"]
        ):
            self._table.delete_entity(account_id, row["RowKey"])
