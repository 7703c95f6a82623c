"""Removing an account takes its secrets with it, the shared access token included."""

from __future__ import annotations

from shared.core.secretbox import SecretBox
from shared.store.access_tokens import AccessTokenTable
from shared.store.names import ACCESS_TOKENS_TABLE


def test_removing_an_account_deletes_its_access_token(world):
    services = world.services
    account_id = world.account.id
    tokens = AccessTokenTable(
        services.storage.table(ACCESS_TOKENS_TABLE), SecretBox(services.settings.secrets_keys)
    )
    issued = services.access_tokens.get(account_id)
    assert tokens.read(account_id).token == issued

    services.accounts.remove(account_id)

    row = tokens.read(account_id)
    assert (row.token, row.etag) == (None, None)
