"""Accounts in Table storage, secrets sealed, with a unique index on the AppID.

Every account row and every ``appid:`` index row share one partition, so creating, changing
and deleting an account and its index entry are single atomic transactions.

The secrets are sealed bound to the account's id and to the plain values that decide how its
pushes are checked (AppID, Original ID, message mode, sandbox, the old AES key's expiry): a row
whose MessageMode was edited in storage from safe to plaintext no longer opens, rather than
accepting plaintext pushes.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from shared.core.secretbox import SecretBox, SecretBoxError, purpose_context
from shared.model.accounts import Account, ChannelStatus
from shared.store.entities import etag_of, if_match, prefix_range
from shared.store.optimistic import ChangedError
from shared.wechat import MessageMode

log = logging.getLogger(__name__)

PARTITION = "accounts"
_ACCOUNT = "a:"
_APP_ID = "appid:"
_SECRET_FIELDS = ("app_secret", "token", "encoding_aes_key", "previous_encoding_aes_key")


class DuplicateAppIdError(Exception):
    """Another account already has this AppID."""


def _sealed_context(
    account_id: str,
    app_id: str,
    original_id: str,
    message_mode: str,
    sandbox: bool,
    previous_key_expires_at: datetime | None,
) -> str:
    expires = (
        previous_key_expires_at.astimezone(timezone.utc).isoformat(timespec="microseconds")
        if previous_key_expires_at
        else None
    )
    return purpose_context(
        "account-secrets",
        accountId=account_id,
        appId=app_id,
        originalId=original_id,
        messageMode=message_mode,
        sandbox=sandbox,
        previousKeyExpiresAt=expires,
    )


class AccountStore:
    def __init__(self, table: TableClient, secrets: SecretBox) -> None:
        self._table = table
        self._secrets = secrets

    # --- entity mapping -------------------------------------------------------------------

    def _entity(self, account: Account) -> dict[str, Any]:
        secrets = {f: getattr(account, f) for f in _SECRET_FIELDS if getattr(account, f)}
        context = _sealed_context(
            account.id,
            account.app_id,
            account.original_id,
            account.message_mode.value,
            account.sandbox,
            account.previous_key_expires_at,
        )
        key_id, sealed = self._secrets.seal(secrets, context=context)
        entity: dict[str, Any] = {
            "PartitionKey": PARTITION,
            "RowKey": _ACCOUNT + account.id,
            "Name": account.name,
            "OriginalId": account.original_id,
            "AppId": account.app_id,
            "MessageMode": account.message_mode.value,
            "Sandbox": account.sandbox,
            "Disabled": account.disabled,
            "Status": account.status.value,
            "CreatedAt": account.created_at,
            "UpdatedAt": account.updated_at,
            "SecretsKeyId": key_id,
            "Secrets": sealed,
        }
        if account.previous_key_expires_at:
            entity["PreviousKeyExpiresAt"] = account.previous_key_expires_at
        if account.mini_program_app_ids:
            entity["MiniProgramAppIds"] = json.dumps(list(account.mini_program_app_ids))
        return entity

    def _account(self, entity: dict[str, Any]) -> tuple[Account, str]:
        """The account of a row; ``SecretBoxError`` when its secrets do not open with the row's
        own values (edited, or sealed for another row or purpose)."""
        account_id = entity["RowKey"][len(_ACCOUNT) :]
        context = _sealed_context(
            account_id,
            entity["AppId"],
            entity["OriginalId"],
            entity["MessageMode"],
            entity.get("Sandbox", False),
            entity.get("PreviousKeyExpiresAt"),
        )
        secrets = self._secrets.open(entity["SecretsKeyId"], entity["Secrets"], context=context)
        account = Account(
            id=account_id,
            name=entity["Name"],
            original_id=entity["OriginalId"],
            app_id=entity["AppId"],
            message_mode=MessageMode(entity["MessageMode"]),
            sandbox=entity.get("Sandbox", False),
            disabled=entity.get("Disabled", False),
            status=ChannelStatus(entity.get("Status", ChannelStatus.ACTIVE.value)),
            created_at=entity["CreatedAt"],
            updated_at=entity["UpdatedAt"],
            previous_key_expires_at=entity.get("PreviousKeyExpiresAt"),
            mini_program_app_ids=tuple(json.loads(entity.get("MiniProgramAppIds") or "[]")),
            **secrets,
        )
        return account, etag_of(entity)

    @staticmethod
    def _index(app_id: str, account_id: str) -> dict[str, Any]:
        return {"PartitionKey": PARTITION, "RowKey": _APP_ID + app_id, "AccountId": account_id}

    # --- operations -------------------------------------------------------------------------

    def create(self, account: Account) -> None:
        try:
            self._table.submit_transaction(
                [
                    ("create", self._index(account.app_id, account.id)),
                    ("create", self._entity(account)),
                ]
            )
        except TableTransactionError as error:
            if error.status_code == 409:
                raise DuplicateAppIdError(account.app_id) from None
            raise

    def get(self, account_id: str) -> tuple[Account, str] | None:
        """The account and its ETag, or None."""
        try:
            return self._account(self._table.get_entity(PARTITION, _ACCOUNT + account_id))
        except ResourceNotFoundError:
            return None

    def list_accounts(self) -> list[Account]:
        """Every account whose secrets open; one that does not (sealed under a key this
        deployment no longer has, or edited in storage) is logged and left out, rather than
        making every account unlistable."""
        entities = self._table.query_entities(
            "PartitionKey eq @p and RowKey ge @lo and RowKey lt @hi",
            parameters={"p": PARTITION, **prefix_range(_ACCOUNT)},
        )
        accounts = []
        for entity in entities:
            try:
                accounts.append(self._account(entity)[0])
            except SecretBoxError as error:
                log.error("account %s is left out: %s", entity["RowKey"][len(_ACCOUNT) :], error)
        return sorted(accounts, key=lambda a: a.created_at)

    def replace(self, before: Account, after: Account, etag: str) -> None:
        """Store ``after`` if the row still has ``etag``; move the AppID index if it changed."""
        operations: list[Any] = [
            ("update", self._entity(after), if_match(etag, UpdateMode.REPLACE))
        ]
        if after.app_id != before.app_id:
            operations += [
                ("delete", self._index(before.app_id, before.id)),
                ("create", self._index(after.app_id, after.id)),
            ]
        self._submit(operations, after.app_id)

    def delete(self, account: Account) -> None:
        self._submit(
            [
                ("delete", {"PartitionKey": PARTITION, "RowKey": _ACCOUNT + account.id}),
                ("delete", self._index(account.app_id, account.id)),
            ],
            account.app_id,
        )

    def delete_unopened(self, account_id: str) -> None:
        """Delete an account row and its AppID index entries without opening its secrets: a
        row that no longer opens (its AppId may have been edited too) can still be removed."""
        indexes = self._table.query_entities(
            "PartitionKey eq @p and RowKey ge @lo and RowKey lt @hi and AccountId eq @id",
            parameters={"p": PARTITION, **prefix_range(_APP_ID), "id": account_id},
        )
        operations: list[Any] = [
            ("delete", {"PartitionKey": PARTITION, "RowKey": _ACCOUNT + account_id})
        ]
        operations += [
            ("delete", {"PartitionKey": PARTITION, "RowKey": index["RowKey"]}) for index in indexes
        ]
        self._submit(operations, "")

    def _submit(self, operations: list[Any], app_id: str) -> None:
        try:
            self._table.submit_transaction(operations)
        except TableTransactionError as error:
            if error.status_code == 409:
                raise DuplicateAppIdError(app_id) from None
            if error.status_code in (404, 412):
                raise ChangedError from None
            raise
