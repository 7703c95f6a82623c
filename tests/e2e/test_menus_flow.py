"""Menus over HTTP on devhost: the admin saves a menu, publishes it and WeChat (the API
simulator) has it; a customer clicks its key and the routing rule on ``event.key`` sends the
conversation to its queue; an agent sends a tap-to-reply menu, the customer taps an option and
the transcript records the answer."""

from __future__ import annotations

from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer

MENU = {
    "buttons": [
        {"name": "退款", "type": "click", "key": "REFUND"},
        {
            "name": "Help",
            "subButtons": [{"name": "FAQ", "type": "view", "url": "https://example.com/faq"}],
        },
    ]
}


def test_a_published_menu_key_routes_and_a_tapped_menu_is_answered(app, admin, wechat_api):
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    account_id = register(admin, account, mode="safe")
    general = admin.post("/api/admin/queues", json={"name": "General"}).json()
    refunds = admin.post("/api/admin/queues", json={"name": "Refunds"}).json()
    rule = {"field": "event.key", "op": "equals", "value": "REFUND"}
    admin.post(
        "/api/admin/workstreams",
        json={
            "name": "ws",
            "accountId": account_id,
            "fallbackQueueId": general["id"],
            "routingRules": [{"name": "refund menu", "queueId": refunds["id"], "condition": rule}],
        },
    ).raise_for_status()
    agent = admin.post("/api/admin/agents", json={"name": "Lin", "queueIds": [refunds["id"]]})
    client = app.client(agent.json()["token"])
    client.put("/api/agent/presence", json={"presence": "available"}).raise_for_status()

    # the admin: a menu over WeChat's limit is refused with the field named, then one is saved
    too_long = {"buttons": [{"name": "退款退款退款", "type": "click", "key": "REFUND"}]}
    refused = admin.put(f"/api/admin/accounts/{account_id}/menu", json=too_long)
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "buttons.0.name"
    saved = admin.put(f"/api/admin/accounts/{account_id}/menu", json=MENU)
    assert saved.status_code == 200, saved.text
    assert saved.json()["keys"] == ["REFUND"]
    assert saved.json()["published"] is False

    wechat_api.inject("/cgi-bin/menu/create", errcode=40018)
    failed = admin.post(f"/api/admin/accounts/{account_id}/menu/publish")
    assert failed.status_code == 409
    assert failed.json()["error"]["code"] == "wechat_refused"
    assert "40018" in failed.json()["error"]["message"]
    published = admin.post(f"/api/admin/accounts/{account_id}/menu/publish")
    assert published.status_code == 200, published.text
    assert published.json()["published"] is True
    assert wechat_api.menu_keys(account.app_id) == ["REFUND"]

    # the customer clicks the published key: the rule routes the conversation to Refunds
    customer = WeChatCustomer(account)
    key = wechat_api.menu_keys(account.app_id)[0]
    app.push(account_id, *customer.push(customer.click(key), "safe")).raise_for_status()

    def reached_agent():
        for conversation in client.get("/api/agent/conversations").json()["conversations"]:
            if conversation["openId"] == customer.open_id:
                return conversation
        return None

    conversation = wait_for(reached_agent, what="the menu click to reach the Refunds agent")
    assert conversation["queueId"] == refunds["id"]
    assert conversation["rule"] == "refund menu"

    # a click earns no reply window: the customer writes, then the agent sends a menu
    wechat_api.customer_wrote(account.app_id, customer.open_id)
    app.push(account_id, *customer.push(customer.text("退款"), "safe")).raise_for_status()
    menus = f"/api/agent/conversations/{conversation['id']}/menus"
    bad = client.post(menus, json={"options": [{"content": "x"}] * 11})
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "options"

    def customer_lines():
        detail = client.get(f"/api/agent/conversations/{conversation['id']}").json()
        return [m for m in detail["messages"] if m["direction"] == "in"]

    wait_for(lambda: len(customer_lines()) == 2, what="the customer's text to be filed")
    sent = client.post(
        menus,
        json={
            "headContent": "Refund to your card?",
            "options": [{"id": "101", "content": "Yes"}, {"id": "102", "content": "No"}],
        },
    )
    assert sent.status_code == 202, sent.text
    line = sent.json()
    assert line["type"] == "msgmenu"

    def delivered():
        return [m for m in wechat_api.sent if m.touser == customer.open_id]

    message = wait_for(delivered, what="the menu to reach WeChat")[-1]
    assert message.msgtype == "msgmenu"
    assert message.body["msgmenu"]["list"][0] == {"id": "101", "content": "Yes"}

    def menu_line():
        detail = client.get(f"/api/agent/conversations/{conversation['id']}").json()
        return next(m for m in detail["messages"] if m["id"] == line["id"])

    wait_for(lambda: menu_line()["status"] == "sent", what="the menu to be marked sent")

    # the customer taps "Yes": WeChat pushes text with bizmsgmenuid
    wechat_api.customer_wrote(account.app_id, customer.open_id)
    app.push(account_id, *customer.push(customer.tap("101", "Yes"), "safe")).raise_for_status()
    answer = wait_for(
        lambda: menu_line()["details"]["menu"].get("answer"), what="the answer on the menu"
    )
    assert answer["optionId"] == "101"
    assert answer["content"] == "Yes"
    tap = customer_lines()[-1]
    assert tap["text"] == "Yes"
    assert tap["details"]["menuAnswer"] == {"menuEntryKey": line["id"], "optionId": "101"}
    client.close()
