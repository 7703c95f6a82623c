"""WeChat → callback → storage → conversation, on devhost + Azurite, in every message mode."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from shared.store.entities import get_text
from shared.store.names import INBOUND_TABLE
from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer, push_xml


def inbound_rows(storage, account_id: str) -> list[dict]:
    """The account's stored pushes (not the signed nonces remembered beside them)."""
    table = storage.table(INBOUND_TABLE)
    rows = table.query_entities("PartitionKey eq @a", parameters={"a": account_id})
    return [row for row in rows if not row["RowKey"].startswith("nonce:")]


def nonce_rows(storage, account_id: str) -> list[dict]:
    table = storage.table(INBOUND_TABLE)
    rows = table.query_entities("PartitionKey eq @a", parameters={"a": account_id})
    return [row for row in rows if row["RowKey"].startswith("nonce:")]


def conversation_of(admin: httpx.Client, account_id: str, open_id: str, count: int) -> dict:
    """The customer's conversation once it shows ``count`` transcript entries."""

    def ready():
        listing = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
        for conversation in listing["conversations"]:
            if conversation["openId"] == open_id:
                detail = admin.get(f"/api/admin/conversations/{conversation['id']}").json()
                if len(detail["messages"]) >= count:
                    return detail
        return None

    return wait_for(ready, what=f"{count} messages in {open_id}'s conversation")


def test_url_verification_echoes_echostr(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account)
    customer = WeChatCustomer(account)
    query = customer.verify_url_query("4375120948345356249")

    response = httpx.get(f"{app.url}/api/wechat/{account_id}", params=query)
    assert response.status_code == 200
    assert response.text == "4375120948345356249"
    assert response.headers["content-type"].startswith("text/plain")

    query["signature"] = "0" * 40
    assert httpx.get(f"{app.url}/api/wechat/{account_id}", params=query).status_code == 401


def test_safe_mode_text_image_and_event_each_stored_once_and_byte_exact(app, admin, storage):
    account = SimulatedAccount.random()
    account_id = register(admin, account)
    customer = WeChatCustomer(account)
    now = int(customer.clock())
    pushes = [
        customer.text("你好，我的订单还没到 😀🚚 <b>&amp;</b> ]]>", create_time=now - 2),
        customer.image("MEDIA_abc", create_time=now - 1),
        customer.click("MENU_SUPPORT", create_time=now),
    ]
    for fields in pushes:
        response = app.push(account_id, *customer.push(fields, "safe"))
        assert response.status_code == 200, response.text
        assert response.text == "success"

    conversation = conversation_of(admin, account_id, customer.open_id, count=3)
    rows = {row["RowKey"]: get_text(row, "Xml") for row in inbound_rows(storage, account_id)}
    assert len(rows) == 3
    assert sorted(rows.values()) == sorted(push_xml(fields) for fields in pushes)

    text, image, click = conversation["messages"]
    assert text["text"] == "你好，我的订单还没到 😀🚚 <b>&amp;</b> ]]>"
    assert text["msgId"] == str(pushes[0]["MsgId"])
    assert image["type"] == "image"
    assert image["mediaId"] == "MEDIA_abc"
    assert (click["type"], click["event"], click["text"]) == ("event", "click", "MENU_SUPPORT")
    assert conversation["state"] == "open"


def test_four_identical_posts_at_once_store_one_message(app, admin, storage):
    account = SimulatedAccount.random()
    account_id = register(admin, account)
    customer = WeChatCustomer(account)
    fields = customer.text("重复 retry")
    query, body = customer.push(fields, "safe")

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: app.push(account_id, query, body), range(4)))
    assert [a.status_code for a in answers] == [200] * 4

    conversation = conversation_of(admin, account_id, customer.open_id, count=1)
    assert len(inbound_rows(storage, account_id)) == 1
    # The retries' queue messages have been handled too, without a second transcript entry.
    wait_for(
        lambda: not list(storage.queue("inbound").peek_messages(max_messages=32)), what="queue"
    )
    again = admin.get(f"/api/admin/conversations/{conversation['id']}").json()
    assert [m["msgId"] for m in again["messages"]] == [str(fields["MsgId"])]


@pytest.mark.parametrize("mode", ["plaintext", "compatible"])
def test_plaintext_and_compatible_accounts(app, admin, storage, mode):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode=mode)
    customer = WeChatCustomer(account)
    response = app.push(account_id, *customer.push(customer.text(f"{mode} 模式"), mode))
    assert response.status_code == 200, response.text
    conversation = conversation_of(admin, account_id, customer.open_id, count=1)
    assert conversation["messages"][0]["text"] == f"{mode} 模式"
    [row] = inbound_rows(storage, account_id)
    assert row["Encrypted"] is (mode == "compatible")


def test_previous_key_decrypts_during_rotation(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account)
    new_key = SimulatedAccount.random().encoding_aes_key
    patched = admin.patch(f"/api/admin/accounts/{account_id}", json={"encodingAesKey": new_key})
    assert patched.status_code == 200, patched.text
    assert patched.json()["previousKeyExpiresAt"]

    customer = WeChatCustomer(account)
    old = app.push(account_id, *customer.push(customer.text("old key"), "safe"))
    assert old.status_code == 200, old.text
    new = customer.push(customer.text("new key"), "safe", encoding_aes_key=new_key)
    assert app.push(account_id, *new).status_code == 200
    conversation = conversation_of(admin, account_id, customer.open_id, count=2)
    assert {m["text"] for m in conversation["messages"]} == {"old key", "new key"}


def test_transcript_follows_create_time_not_arrival(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    customer = WeChatCustomer(account)
    now = int(customer.clock())
    late = customer.text("second", create_time=now, msg_id=9_000_000_000_000_000_002)
    early = customer.text("first", create_time=now - 5, msg_id=9_000_000_000_000_000_009)
    same_second = customer.text("third", create_time=now, msg_id=9_000_000_000_000_000_003)
    for fields in (late, same_second, early):
        assert app.push(account_id, *customer.push(fields, "plaintext")).status_code == 200
    conversation = conversation_of(admin, account_id, customer.open_id, count=3)
    assert [m["text"] for m in conversation["messages"]] == ["first", "second", "third"]


def test_unsubscribe_is_recorded_and_closes_the_conversation(app, admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    customer = WeChatCustomer(account)
    assert app.push(account_id, *customer.push(customer.text("hi"), "plaintext")).is_success
    conversation_of(admin, account_id, customer.open_id, count=1)
    bye = customer.unsubscribe(create_time=int(customer.clock()) + 1)
    assert app.push(account_id, *customer.push(bye, "plaintext")).is_success

    def closed():
        listing = admin.get(
            "/api/admin/conversations", params={"accountId": account_id, "state": "closed"}
        ).json()["conversations"]
        return listing[0] if listing else None

    conversation = wait_for(closed, what="the conversation to close")
    assert conversation["closeReason"] == "customer_unsubscribed"
    detail = admin.get(f"/api/admin/conversations/{conversation['id']}").json()
    assert [m.get("event") for m in detail["messages"]] == [None, "unsubscribe"]

    # Writing again afterwards opens a new conversation.
    assert app.push(account_id, *customer.push(customer.text("back"), "plaintext")).is_success
    wait_for(
        lambda: admin.get(
            "/api/admin/conversations", params={"accountId": account_id, "state": "open"}
        ).json()["conversations"],
        what="a new open conversation",
    )
