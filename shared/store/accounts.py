"""Accounts in Table storage, secrets sealed, with a unique index on the AppID.

Every account row and every ``appid:`` index row share one partition, so creating, changing
and deleting an account and its index entry are single atomic transactions.
"""

from __future__ import annotations

import logging
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

from ..accounts import Account
from ..secretbox import SecretBox, SecretBoxError
from ..wechat import MessageMode
from .entities import if_match, prefix_range

log = logging.getLogger(__name__)

PARTITION = "accounts"
_ACCOUNT = "a:"
_APP_ID = "appid:"
_SECRET_FIELDS = ("app_secret", "token", "encoding_aes_key", "previous_encoding_aes_key")


class DuplicateAppIdError(Exception):
    """Another account already has this AppID."""


class AccountChangedError(Exception):
    """The account changed (or vanished) since it was read."""


class AccountStore:
    def __init__(self, table: TableClient, secrets: SecretBox) -> None:
        self._table = table
        self._secrets = secrets

    # --- entity mapping -------------------------------------------------------------------

    def _entity(self, account: Account) -> dict[str, Any]:
        secrets = {f: getattr(account, f) for f in _SECRET_FIELDS if getattr(account, f)}
        key_id, sealed = self._secrets.seal(secrets, context=account.id)
        entity: dict[str, Any] = {
            "PartitionKey": PARTITION,
            "RowKey": _ACCOUNT + account.id,
            "Name": account.name,
            "OriginalId": account.original_id,
            "AppId": account.app_id,
            "MessageMode": account.message_mode.value,
            "Sandbox": account.sandbox,
            "CreatedAt": account.created_at,
            "UpdatedAt": account.updated_at,
            "SecretsKeyId": key_id,
            "Secrets": sealed,
        }
        if account.previous_key_expires_at:
            entity["PreviousKeyExpiresAt"] = account.previous_key_expires_at
        return entity

    def _account(self, entity: dict[str, Any]) -> tuple[Account, str]:
        account_id = entity["RowKey"][len(_ACCOUNT) :]
        secrets = self._secrets.open(entity["SecretsKeyId"], entity["Secrets"], context=account_id)
        account = Account(
            id=account_id,
            name=entity["Name"],
            original_id=entity["OriginalId"],
            app_id=entity["AppId"],
            message_mode=MessageMode(entity["MessageMode"]),
            sandbox=entity.get("Sandbox", False),
            created_at=entity["CreatedAt"],
            updated_at=entity["UpdatedAt"],
            previous_key_expires_at=entity.get("PreviousKeyExpiresAt"),
            **secrets,
        )
        return account, entity.metadata["etag"]

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

    def list(self) -> list[Account]:
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

    def _submit(self, operations: list[Any], app_id: str) -> None:
        try:
            self._table.submit_transaction(operations)
        except TableTransactionError as error:
            if error.status_code == 409:
                raise DuplicateAppIdError(app_id) from None
            if error.status_code in (404, 412):
                raise AccountChangedError from None
            raise
