"""Sealed secrets on Azurite: each purpose has its own associated data, and an account's secrets
are bound to its mode, AppID, Original ID, sandbox flag and old-key expiry. Rows edited (or
sealed values moved) with the Tables SDK, as someone with storage access could, stop opening:
the account's pushes are refused instead of being checked in the edited mode."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

import pytest
from azure.data.tables import UpdateMode

from shared.bootstrap import Services
from shared.core.errors import DomainError
from shared.core.secretbox import SecretBox, SecretBoxError
from shared.model.accounts import AccountCreate, AccountPatch
from shared.store.access_tokens import AccessTokenTable
from shared.store.names import ACCESS_TOKENS_TABLE, ACCOUNTS_TABLE, WORKSTREAMS_TABLE
from tests.integration.conftest import answer_status
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer
from triggers.errors import status_of


@pytest.fixture
def safe_account(services):
    simulated = SimulatedAccount.random()
    account = services.accounts.register(
        AccountCreate.model_validate(simulated.registration(mode="safe"))
    )
    return simulated, account


def account_row(services, account_id):
    return services.storage.table(ACCOUNTS_TABLE).get_entity("accounts", f"a:{account_id}")


def edit_account_row(services, account_id, **changes):
    """What someone with write access to the table could do, bypassing the app."""
    services.storage.table(ACCOUNTS_TABLE).update_entity(
        {"PartitionKey": "accounts", "RowKey": f"a:{account_id}", **changes}, mode=UpdateMode.MERGE
    )
    services.accounts.forget(account_id)


def push(services, simulated, account_id, mode):
    customer = WeChatCustomer(simulated, clock=services.clock)
    query, body = customer.push(customer.text("hello"), mode)
    return services.callback.receive(account_id, query, body)


class TestAccountRowEdited:
    def test_safe_mode_edited_to_plaintext_refuses_the_plaintext_push(
        self, services, safe_account, caplog
    ):
        simulated, account = safe_account
        downgraded = push(services, simulated, account.id, "plaintext")
        assert answer_status(downgraded) == 400  # no downgrade
        assert answer_status(push(services, simulated, account.id, "safe")) == 200

        edit_account_row(services, account.id, MessageMode="plaintext")
        with caplog.at_level(logging.ERROR, logger="shared.channel.registry"):
            answer = push(services, simulated, account.id, "plaintext")
        assert answer_status(answer) == 404  # refused before anything is stored
        assert answer_status(push(services, simulated, account.id, "safe")) == 404
        logged = caplog.text
        assert f"account {account.id} is unusable" in logged
        for secret in (simulated.app_secret, simulated.token, simulated.encoding_aes_key):
            assert secret not in logged

    @pytest.mark.parametrize(
        "changes",
        [
            {"AppId": "wx" + "0" * 16},
            {"OriginalId": "gh_000000000000"},
            {"Sandbox": True},
            {"PreviousKeyExpiresAt": datetime(2100, 1, 1, tzinfo=timezone.utc)},
        ],
        ids=lambda changes: next(iter(changes)),
    )
    def test_any_bound_value_edited_stops_the_account(self, services, safe_account, changes):
        _, account = safe_account
        edit_account_row(services, account.id, **changes)
        assert services.accounts.lookup(account.id) is None
        with pytest.raises(DomainError) as caught:
            services.accounts.get(account.id)
        assert (status_of(caught.value), caught.value.code) == (409, "account_unreadable")
        assert "register it again" in caught.value.message
        assert account.id not in [a.id for a in services.accounts.list_accounts()]

    def test_the_name_is_not_bound_and_a_rotated_key_still_opens(self, services, safe_account):
        simulated, account = safe_account
        edit_account_row(services, account.id, Name="renamed in storage")
        assert services.accounts.get(account.id).name == "renamed in storage"
        rotated = services.accounts.update(
            account.id,
            AccountPatch(encoding_aes_key=SimulatedAccount.random().encoding_aes_key),
        )
        assert rotated.previous_key_expires_at is not None
        services.accounts.forget(account.id)
        reread = services.accounts.lookup(account.id)
        assert reread.previous_key_expires_at == rotated.previous_key_expires_at
        in_grace = push(services, simulated, account.id, "safe")  # the old key, in grace
        assert answer_status(in_grace) == 200

    def test_an_unusable_account_can_still_be_deleted_and_registered_again(
        self, services, safe_account
    ):
        simulated, account = safe_account
        edit_account_row(services, account.id, AppId="wx" + "f" * 16, MessageMode="plaintext")
        services.accounts.remove(account.id)
        table = services.storage.table(ACCOUNTS_TABLE)
        rows = [e["RowKey"] for e in table.list_entities() if account.id in str(dict(e))]
        assert rows == []
        again = services.accounts.register(
            AccountCreate.model_validate(simulated.registration(mode="safe"))
        )
        assert answer_status(push(services, simulated, again.id, "safe")) == 200


def token_table(services) -> AccessTokenTable:
    return AccessTokenTable(
        services.storage.table(ACCESS_TOKENS_TABLE), SecretBox(services.settings.secrets_keys)
    )


class TestSealedValuesMoved:
    def test_the_access_token_sealed_value_does_not_open_as_account_secrets(self, services, world):
        account_id = world.account.id
        services.access_tokens.get(account_id)
        token_row = services.storage.table(ACCESS_TOKENS_TABLE).get_entity(account_id, "access")
        edit_account_row(
            services, account_id, Secrets=token_row["Sealed"], SecretsKeyId=token_row["KeyId"]
        )
        assert services.accounts.lookup(account_id) is None
        with pytest.raises(DomainError) as caught:
            services.accounts.get(account_id)
        assert caught.value.code == "account_unreadable"

    def test_account_secrets_do_not_open_as_the_access_token(
        self, services, world, wechat_api, caplog
    ):
        account_id = world.account.id
        services.access_tokens.get(account_id)
        row = account_row(services, account_id)
        services.storage.table(ACCESS_TOKENS_TABLE).update_entity(
            {
                "PartitionKey": account_id,
                "RowKey": "access",
                "Sealed": row["Secrets"],
                "KeyId": row["SecretsKeyId"],
            },
            mode=UpdateMode.MERGE,
        )
        with caplog.at_level(logging.ERROR, logger="shared.store.access_tokens"):
            assert token_table(services).read(account_id).token is None
        assert f"access token of account {account_id} is unusable" in caplog.text
        assert world.simulated.app_secret not in caplog.text
        # Another worker finds no usable token and fetches one; the row opens again.
        fetches = wechat_api.token_fetches
        fresh = Services(services.settings, services.storage, services.clock).access_tokens.get(
            account_id
        )
        assert wechat_api.token_fetches == fetches + 1
        assert token_table(services).read(account_id).token == fresh

    def test_a_bot_secret_moved_to_another_workstream_does_not_open(self, services, world):
        queue = world.queue()
        bot = {"type": "webhook", "url": "https://bot.example.com/", "secret": "s" * 20}
        workstream = world.workstream(queue.id, bot=bot)
        table = services.storage.table(WORKSTREAMS_TABLE)
        sealed = table.get_entity("botsecrets", workstream.id)
        table.upsert_entity({**sealed, "RowKey": "another-workstream"})
        assert services.bot_secrets.get(workstream.id) == "s" * 20
        with pytest.raises(SecretBoxError):
            services.bot_secrets.get("another-workstream")

    def test_an_access_token_does_not_open_as_a_bot_secret(self, services, world):
        """The bot-secret row of a workstream whose id is an account's: only the purpose in
        the associated data tells the two apart."""
        services.access_tokens.get(world.account.id)
        token_row = services.storage.table(ACCESS_TOKENS_TABLE).get_entity(
            world.account.id, "access"
        )
        services.storage.table(WORKSTREAMS_TABLE).upsert_entity(
            {
                "PartitionKey": "botsecrets",
                "RowKey": world.account.id,
                "Sealed": token_row["Sealed"],
                "KeyId": token_row["KeyId"],
            }
        )
        with pytest.raises(SecretBoxError):
            services.bot_secrets.get(world.account.id)


def test_a_webhook_bot_whose_secret_does_not_open_hands_over(world):
    queue = world.queue()
    bot = {"type": "webhook", "url": "https://bot.example.com/", "secret": "s" * 20}
    workstream = world.workstream(queue.id, bot=bot)
    table = world.services.storage.table(WORKSTREAMS_TABLE)
    sealed = table.get_entity("botsecrets", workstream.id)
    table.upsert_entity({**sealed, "Sealed": sealed["Sealed"][:-8] + "AAAAAAA="})
    customer = world.customer()
    conversation = world.write(customer, customer.text("hi"))
    entries, _ = world.services.conversations.transcript(conversation, limit=10)
    world.services.bot_step.handle(conversation, entries[-1].key)
    state = world.get(conversation)
    assert state.bot == "escalated"
    assert "secret does not open" in state.bot_summary
