"""The go-live check (GET /api/admin/accounts/{id}/check) and disabling an account, on devhost
with the WeChat simulator playing WeChat."""

from __future__ import annotations

import httpx

from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer

TOKEN_APIS = ("/cgi-bin/stable_token", "/cgi-bin/token")


def check(admin: httpx.Client, account_id: str) -> dict:
    response = admin.get(f"/api/admin/accounts/{account_id}/check")
    assert response.status_code == 200, response.text
    return response.json()


def test_a_new_account_is_not_ready_until_wechat_verifies_its_url(app, admin, wechat_api):
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    account_id = register(admin, account)

    before = check(admin, account_id)
    assert before["urlVerification"] == {"verified": False}
    assert before["accessToken"] == {"ok": True, "ipsToAdd": []}
    assert before["pushes"] == {}
    assert before["ready"] is False

    query = WeChatCustomer(account).verify_url_query()
    assert httpx.get(f"{app.url}/api/wechat/{account_id}", params=query).status_code == 200
    after = check(admin, account_id)
    assert after["urlVerification"]["verified"] is True
    assert after["urlVerification"]["lastVerifiedAt"] >= before["checkedAt"]
    assert after["ready"] is True


def test_a_push_is_recorded_and_one_in_the_wrong_mode_is_named(app, admin, wechat_api):
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    account_id = register(admin, account)
    customer = WeChatCustomer(account)

    query, body = customer.push(customer.text("hello"), "safe")
    assert httpx.post(f"{app.url}/api/wechat/{account_id}", params=query, content=body).is_success
    pushes = check(admin, account_id)["pushes"]
    assert pushes["lastPushEncrypted"] is True
    assert pushes["matchesMode"] is True
    assert "lastPushAt" in pushes

    query, body = customer.push(customer.text("plain"), "plaintext")
    refused = httpx.post(f"{app.url}/api/wechat/{account_id}", params=query, content=body)
    assert refused.status_code == 400
    pushes = check(admin, account_id)["pushes"]
    assert pushes["matchesMode"] is False
    assert pushes["lastRefusalCode"] == "mode_refused"
    assert "safe mode" in pushes["lastRefusalMessage"]


def test_a_wrong_appsecret_is_reported_with_wechats_answer(admin, wechat_api):
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    account_id = register(admin, account, appSecret="f" * 32)  # not the one WeChat holds

    token = check(admin, account_id)["accessToken"]
    assert token["ok"] is False
    assert token["problem"] == "appSecret"
    assert token["errcode"] in (40001, 40125)
    assert "AppSecret" in token["message"]

    replaced = admin.patch(
        f"/api/admin/accounts/{account_id}", json={"appSecret": account.app_secret}
    )
    assert replaced.status_code == 200
    assert check(admin, account_id)["accessToken"]["ok"] is True

    # A token is stored now; a wrong secret replacing the right one must not hide behind it.
    admin.patch(f"/api/admin/accounts/{account_id}", json={"appSecret": "e" * 32})
    assert check(admin, account_id)["accessToken"]["problem"] == "appSecret"


def test_an_ip_outside_the_whitelist_names_the_addresses_to_add(admin, wechat_api):
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    account_id = register(admin, account)
    errmsg = "invalid ip 198.51.100.7 ipv6 ::ffff:198.51.100.7, not in whitelist rid: 1-2-3"
    for path in TOKEN_APIS:
        wechat_api.inject(path, errcode=40164, errmsg=errmsg)
    try:
        token = check(admin, account_id)["accessToken"]
    finally:
        wechat_api.reset_faults()
    assert token["problem"] == "ipWhitelist"
    assert token["errmsg"] == errmsg
    assert token["ipsToAdd"] == ["198.51.100.7", "203.0.113.10", "203.0.113.11"]


def test_a_disabled_account_refuses_wechat_and_sends_nothing(app, admin, wechat_api):
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    account_id = register(admin, account)
    customer = WeChatCustomer(account)

    patched = admin.patch(f"/api/admin/accounts/{account_id}", json={"disabled": True})
    assert patched.json()["disabled"] is True

    def refused() -> httpx.Response | None:
        query, body = customer.push(customer.text("hello"), "safe")
        answer = httpx.post(f"{app.url}/api/wechat/{account_id}", params=query, content=body)
        return answer if answer.status_code == 403 else None

    assert wait_for(refused, what="the callback refusing").json()["error"]["code"] == (
        "account_disabled"
    )
    verify = httpx.get(f"{app.url}/api/wechat/{account_id}", params=customer.verify_url_query())
    assert verify.status_code == 403
    report = check(admin, account_id)
    assert report["accessToken"]["problem"] == "disabled"
    assert report["ready"] is False

    admin.patch(f"/api/admin/accounts/{account_id}", json={"disabled": False})

    def accepted() -> bool:
        query, body = customer.push(customer.text("back"), "safe")
        return httpx.post(
            f"{app.url}/api/wechat/{account_id}", params=query, content=body
        ).is_success

    assert wait_for(accepted, what="the callback accepting again")


def test_the_check_needs_the_admin_token(app):
    assert httpx.get(f"{app.url}/api/admin/accounts/x/check").status_code == 401
