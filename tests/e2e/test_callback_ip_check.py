"""CALLBACK_IP_CHECK on devhost: pushes only from WeChat's callback IPs, the caller being the
X-Forwarded-For entry the front end appends (devhost appends the TCP peer, as Azure does)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from devhost.azurite import Azurite
from tests.e2e.conftest import register
from tools.local_app import LocalApp, app_settings
from tools.wechat_simulator import SimulatedAccount, WeChatApiSimulator, WeChatCustomer


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> Iterator[tuple[LocalApp, WeChatApiSimulator]]:
    with (
        Azurite(tmp_path_factory.mktemp("ipcheck-azurite"), in_memory=True) as azurite,
        WeChatApiSimulator() as wechat,
    ):
        settings = app_settings(
            azurite.connection_string, WECHAT_API_BASE_URL=wechat.url, CALLBACK_IP_CHECK="true"
        )
        with LocalApp(settings, log_dir=tmp_path_factory.mktemp("ipcheck-app")) as app:
            yield app, wechat


def test_a_push_from_an_address_wechat_does_not_list_is_refused(checked):
    app, wechat = checked
    wechat.callback_ips = ["203.0.113.0/24"]  # WeChat's, and not this machine's
    account = SimulatedAccount.random()
    wechat.add_account(account.app_id, account.app_secret)
    with app.admin() as admin:
        account_id = register(admin, account, mode="plaintext")
    customer = WeChatCustomer(account)
    query, body = customer.push(customer.text("hi"), "plaintext")
    spoofed = {"X-Forwarded-For": "203.0.113.9"}  # the caller's own claim counts for nothing
    answer = app.push(account_id, query, body, headers=spoofed)
    assert (answer.status_code, answer.json()["error"]["code"]) == (403, "ip_not_allowed")
    assert wechat.calls("/cgi-bin/getcallbackip") == 1

    verify = customer.verify_url_query("42")
    assert httpx.get(f"{app.url}/api/wechat/{account_id}", params=verify).status_code == 403


def test_a_push_from_a_listed_address_is_accepted_after_the_daily_refresh(checked):
    app, wechat = checked
    wechat.callback_ips = ["127.0.0.1"]
    account = SimulatedAccount.random()
    wechat.add_account(account.app_id, account.app_secret)
    with app.admin() as admin:
        account_id = register(admin, account, mode="plaintext")
        ran = httpx.post(f"{app.url}/admin/functions/callback_ips_refresh", json={"input": ""})
        assert ran.status_code == 202
    customer = WeChatCustomer(account)
    answer = app.push(account_id, *customer.push(customer.text("hi"), "plaintext"))
    assert (answer.status_code, answer.text) == (200, "success")
