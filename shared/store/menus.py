"""Each account's custom menu draft and how its last publish went: one row per account in the
accounts table (partition ``menus``, so the account listing never reads it), beside the
account's settings rather than in its sealed row."""

from __future__ import annotations

import json
from contextlib import suppress
from datetime import datetime
from typing import Any, NamedTuple

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.model.menus import AccountMenu, PublishResult

PARTITION = "menus"


class StoredMenu(NamedTuple):
    menu: AccountMenu | None = None
    updated_at: datetime | None = None
    published: bool = False
    published_at: datetime | None = None
    last_publish: PublishResult | None = None


class MenuStore:
    def __init__(self, table: TableClient) -> None:
        self._table = table

    def _merge(self, account_id: str, properties: dict[str, Any]) -> None:
        self._table.upsert_entity(
            {"PartitionKey": PARTITION, "RowKey": account_id, **properties}, mode=UpdateMode.MERGE
        )

    def save_draft(self, account_id: str, menu: AccountMenu, at: datetime) -> None:
        """A changed draft is not what WeChat shows until it is published again."""
        draft = json.dumps(menu.json_body(), ensure_ascii=False)
        self._merge(account_id, {"Draft": draft, "UpdatedAt": at, "Published": False})

    def published(self, account_id: str, result: PublishResult, draft: AccountMenu) -> None:
        """Record a publish; a successful one marks the draft published, unless it changed
        while WeChat was being called."""
        properties: dict[str, Any] = {"LastPublish": json.dumps(result.json_body())}
        if result.ok and self.read(account_id).menu == draft:
            properties.update(Published=True, PublishedAt=result.at)
        self._merge(account_id, properties)

    def read(self, account_id: str) -> StoredMenu:
        try:
            row = self._table.get_entity(PARTITION, account_id)
        except ResourceNotFoundError:
            return StoredMenu()
        draft = row.get("Draft")
        last = row.get("LastPublish")
        return StoredMenu(
            menu=AccountMenu.model_validate(json.loads(draft)) if draft else None,
            updated_at=row.get("UpdatedAt"),
            published=bool(row.get("Published", False)),
            published_at=row.get("PublishedAt"),
            last_publish=PublishResult.model_validate(json.loads(last)) if last else None,
        )

    def forget(self, account_id: str) -> None:
        with suppress(ResourceNotFoundError):
            self._table.delete_entity(PARTITION, account_id)
