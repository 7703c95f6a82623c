"""What a signed callback URL seen by someone else lets them do: nothing.

The URL ``signature`` covers the token, timestamp and nonce, never the body. So a compatible
account takes only the encrypted copy, and every account remembers each signed timestamp and
nonce: the same URL again with another body is a replay, with the same body a retry.
"""

from __future__ import annotations

import pytest

from shared.store.names import INBOUND_WORK_QUEUE
from tests.e2e.conftest import register, wait_for
from tests.e2e.test_callback import conversation_of, inbound_rows, nonce_rows
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer, push_xml


def test_compatible_account_refuses_a_raw_push(app, admin, storage):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="compatible")
    customer = WeChatCustomer(account)
    for extra in ({}, {"encrypt_type": "raw"}):
        query, body = customer.push(customer.text("forged"), "plaintext")
        response = app.push(account_id, {**query, **extra}, body)
        assert response.status_code == 400, response.text
        assert response.json()["error"]["code"] == "mode_refused"
    assert inbound_rows(storage, account_id) == []


def test_compatible_account_keeps_the_encrypted_copy_not_the_plain_fields(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="compatible")
    customer = WeChatCustomer(account)
    query, body = customer.push(customer.text("genuine"), "compatible")
    forged = body.replace(b"genuine", b"forged!")
    assert app.push(account_id, query, forged).status_code == 200
    conversation = conversation_of(admin, account_id, customer.open_id, count=1)
    assert conversation["messages"][0]["text"] == "genuine"


@pytest.fixture
def plaintext(app, admin):
    account = SimulatedAccount.random()
    return account, register(admin, account, mode="plaintext")


def test_a_signed_url_with_another_body_is_a_replay(app, admin, storage, plaintext):
    account, account_id = plaintext
    customer = WeChatCustomer(account)
    query, body = customer.push(customer.text("genuine"), "plaintext")
    assert app.push(account_id, query, body).status_code == 200

    attacker = WeChatCustomer(account)
    forged = push_xml(attacker.text("please refund me to this account"))
    replay = app.push(account_id, query, forged.encode())
    assert replay.status_code == 401, replay.text
    assert replay.json()["error"]["code"] == "replayed"
    assert [row["FromUserName"] for row in inbound_rows(storage, account_id)] == [customer.open_id]
    conversation_of(admin, account_id, customer.open_id, count=1)
    listing = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
    assert [c["openId"] for c in listing["conversations"]] == [customer.open_id]


def test_the_same_request_again_is_a_retry(app, admin, storage, plaintext):
    """WeChat re-sends a push it got no answer for; whether it signs the retry anew is not
    documented, so both a reused and a fresh nonce must be accepted as the same push."""
    account, account_id = plaintext
    customer = WeChatCustomer(account)
    fields = customer.text("retry me")
    query, body = customer.push(fields, "plaintext")
    assert app.push(account_id, query, body).status_code == 200
    assert app.push(account_id, query, body).text == "success"
    assert app.push(account_id, *customer.push(fields, "plaintext")).text == "success"

    conversation = conversation_of(admin, account_id, customer.open_id, count=1)
    assert len(inbound_rows(storage, account_id)) == 1
    assert len(nonce_rows(storage, account_id)) == 2
    wait_for(
        lambda: not list(storage.queue(INBOUND_WORK_QUEUE).peek_messages(max_messages=32)),
        what="the retries handled",
    )
    again = admin.get(f"/api/admin/conversations/{conversation['id']}").json()
    assert [m["text"] for m in again["messages"]] == ["retry me"]


def test_a_replayed_nonce_holds_no_openid(app, admin, storage, plaintext):
    account, account_id = plaintext
    customer = WeChatCustomer(account)
    assert app.push(account_id, *customer.push(customer.click("MENU"), "plaintext")).text == (
        "success"
    )
    [row] = nonce_rows(storage, account_id)
    assert customer.open_id not in str(dict(row))


def test_plaintext_accounts_come_with_a_warning(admin):
    plain = admin.post(
        "/api/admin/accounts", json=SimulatedAccount.random().registration(mode="plaintext")
    ).json()
    assert len(plain["warnings"]) == 1
    assert "Plaintext mode" in plain["warnings"][0]
    assert "CALLBACK_IP_CHECK" in plain["warnings"][0]
    safe = admin.post("/api/admin/accounts", json=SimulatedAccount.random().registration()).json()
    assert safe["warnings"] == []
    patched = admin.patch(f"/api/admin/accounts/{safe['id']}", json={"messageMode": "plaintext"})
    assert patched.json()["warnings"] == plain["warnings"]
