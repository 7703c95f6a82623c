"""The optional allow-list of WeChat's callback IPs (CALLBACK_IP_CHECK), on Azurite with the
WeChat API simulator; and the replay guard's remembered nonces expiring."""

from __future__ import annotations

import ipaddress

import pytest

from shared.channel.callback_ips import forwarded_client
from shared.model.accounts import AccountCreate
from shared.store.names import CALLBACK_IPS_TABLE, INBOUND_TABLE
from tests.integration.conftest import answer_status, build_services
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer

WECHAT = ipaddress.ip_address("203.0.113.9")
ELSEWHERE = ipaddress.ip_address("198.51.100.7")


@pytest.fixture
def checked(storage_connection_string, app_storage, clock, wechat_api):
    """Services with CALLBACK_IP_CHECK on, an account, and WeChat calling from 203.0.113.0/24."""
    app_storage.table(CALLBACK_IPS_TABLE).delete_entity("wechat", "callbackips")
    services = build_services(
        storage_connection_string, app_storage, clock, wechat_api, CALLBACK_IP_CHECK="true"
    )
    simulated = SimulatedAccount.random()
    wechat_api.add_account(simulated.app_id, simulated.app_secret)
    wechat_api.callback_ips = ["203.0.113.0/24", "192.0.2.1"]
    account = services.accounts.register(
        AccountCreate.model_validate(simulated.registration(mode="plaintext"))
    )
    return services, account, WeChatCustomer(simulated, clock=clock)


def test_pushes_from_wechats_addresses_only(checked):
    services, account, customer = checked
    answer = services.callback.receive(
        account.id, *customer.push(customer.text("hi"), "plaintext"), client=ELSEWHERE
    )
    assert (answer_status(answer), answer.refusal.code) == (403, "ip_not_allowed")
    answer = services.callback.receive(
        account.id, *customer.push(customer.text("hi"), "plaintext"), client=None
    )
    assert answer_status(answer) == 403
    answer = services.callback.receive(
        account.id, *customer.push(customer.text("hi"), "plaintext"), client=WECHAT
    )
    assert (answer_status(answer), answer.body) == (200, "success")
    verify = services.callback.verify(account.id, customer.verify_url_query("42"), ELSEWHERE)
    assert answer_status(verify) == 403
    assert services.callback.verify(account.id, customer.verify_url_query("42"), WECHAT).body == (
        "42"
    )


def test_the_list_is_fetched_once_and_shared(checked, wechat_api):
    services, account, customer = checked
    calls = wechat_api.calls("/cgi-bin/getcallbackip")
    for _ in range(3):
        services.callback.receive(
            account.id, *customer.push(customer.text("hi"), "plaintext"), client=WECHAT
        )
    assert wechat_api.calls("/cgi-bin/getcallbackip") == calls + 1
    stored = services.callback_ips._table.read()
    assert stored is not None
    assert stored.ips == ("203.0.113.0/24", "192.0.2.1")


def test_the_daily_refresh_replaces_the_list(checked, wechat_api):
    services, account, customer = checked
    assert services.callback_ips.refresh_daily() == 2
    wechat_api.callback_ips = ["198.51.100.0/24"]
    assert services.callback_ips.refresh_daily() == 1
    answer = services.callback.receive(
        account.id, *customer.push(customer.text("hi"), "plaintext"), client=ELSEWHERE
    )
    assert answer_status(answer) == 200


def test_when_the_list_cannot_be_fetched_pushes_are_refused(checked, wechat_api):
    services, account, customer = checked
    wechat_api.inject("/cgi-bin/getcallbackip", errcode=40164)
    answer = services.callback.receive(
        account.id, *customer.push(customer.text("hi"), "plaintext"), client=WECHAT
    )
    assert (answer_status(answer), answer.refusal.code) == (403, "ip_not_allowed")


def test_without_the_setting_any_address_is_accepted(services, wechat_api):
    simulated = SimulatedAccount.random()
    account = services.accounts.register(
        AccountCreate.model_validate(simulated.registration(mode="plaintext"))
    )
    customer = WeChatCustomer(simulated, clock=services.clock)
    answer = services.callback.receive(
        account.id, *customer.push(customer.text("hi"), "plaintext"), client=ELSEWHERE
    )
    assert answer_status(answer) == 200
    assert wechat_api.calls("/cgi-bin/getcallbackip") == 0


@pytest.mark.parametrize(
    ("header", "address"),
    [
        ("203.0.113.9", "203.0.113.9"),
        ("203.0.113.9:50432", "203.0.113.9"),
        ("10.0.0.1, 203.0.113.9", "203.0.113.9"),
        ("203.0.113.9, 127.0.0.1", "127.0.0.1"),  # the caller wrote the first one
        ("[2001:db8::1]:443", "2001:db8::1"),
        ("2001:db8::1", "2001:db8::1"),
        ("::ffff:203.0.113.9", "203.0.113.9"),
        ("not an address", None),
        ("", None),
    ],
)
def test_the_caller_is_the_entry_the_front_end_appended(header, address):
    found = forwarded_client({"x-forwarded-for": header})
    assert found == (ipaddress.ip_address(address) if address else None)


def test_remembered_nonces_expire(services, clock):
    simulated = SimulatedAccount.random()
    account = services.accounts.register(
        AccountCreate.model_validate(simulated.registration(mode="plaintext"))
    )
    customer = WeChatCustomer(simulated, clock=clock)
    query, body = customer.push(customer.text("hi"), "plaintext")
    assert answer_status(services.callback.receive(account.id, query, body)) == 200
    table = services.storage.table(INBOUND_TABLE)

    def nonces() -> list[str]:
        rows = table.query_entities("PartitionKey eq @a", parameters={"a": account.id})
        return [row["RowKey"] for row in rows if row["RowKey"].startswith("nonce:")]

    assert len(nonces()) == 1
    services.eraser.purge_expired()
    assert len(nonces()) == 1, "kept while its timestamp is still acceptable"
    clock.advance(601)
    assert services.eraser.purge_expired()["nonces"] >= 1
    assert nonces() == []


def test_an_account_sealed_under_another_key_does_not_hide_the_others(
    storage_connection_string, app_storage, clock, wechat_api, services
):
    """The daily refresh (and the admin's list) go through every account: one that no longer
    opens is left out and logged, not a failure for all."""
    other = build_services(storage_connection_string, app_storage, clock, wechat_api)
    lost = other.accounts.register(
        AccountCreate.model_validate(SimulatedAccount.random().registration())
    )
    mine = services.accounts.register(
        AccountCreate.model_validate(SimulatedAccount.random().registration())
    )
    listed = {account.id for account in services.accounts.list_accounts()}
    assert mine.id in listed
    assert lost.id not in listed
