"""An agent whose customer can no longer be answered sends a template message instead, over
HTTP like the console: the admin registers the template, the reply box is refused (window
used up), the template goes to WeChat (the API simulator), the transcript shows it sent and
WeChat's delivery report, pushed to the callback, marks it delivered."""

from __future__ import annotations

from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer

TEMPLATE_ID = "OrderUpdate_e2e_0000000000000000000000001"
CONTENT = "{{first.DATA}}\\n订单号：{{keyword1.DATA}}\\n状态：{{thing2.DATA}}\\n{{remark.DATA}}"


def test_window_closed_then_a_template_is_sent_and_delivered(app, admin, wechat_api):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="safe")
    wechat_api.register_account(account, server_url=f"{app.url}/api/wechat/{account_id}")
    wechat_api.add_template(account.app_id, TEMPLATE_ID, "订单状态", CONTENT)
    queue = admin.post("/api/admin/queues", json={"name": "Orders"}).json()
    admin.post(
        "/api/admin/workstreams",
        json={"name": "ws", "accountId": account_id, "fallbackQueueId": queue["id"]},
    ).raise_for_status()

    imported = admin.post(f"/api/admin/accounts/{account_id}/templates/import", json={})
    assert imported.status_code == 200, imported.text
    [template] = imported.json()["imported"]
    assert [f["key"] for f in template["fields"]] == ["first", "keyword1", "thing2", "remark"]
    approved = admin.put(
        f"/api/admin/accounts/{account_id}/templates/{TEMPLATE_ID}",
        json={
            "title": "订单状态",
            "fields": [
                {"key": "keyword1", "label": "订单号", "maxLength": 32},
                {"key": "thing2", "label": "状态", "maxLength": 20},
            ],
            "enabled": True,
            "dailyQuota": 100,
        },
    )
    assert approved.status_code == 200, approved.text

    agent_body = {"name": "Lin", "queueIds": [queue["id"]], "capacity": 2}
    agent = admin.post("/api/admin/agents", json=agent_body).json()
    client = app.client(agent["token"])
    client.put("/api/agent/presence", json={"presence": "available"}).raise_for_status()
    customer = WeChatCustomer(account)
    wechat_api.customer_wrote(account.app_id, customer.open_id)
    app.push(account_id, *customer.push(customer.text("我的退款呢？"), "safe")).raise_for_status()

    def assigned():
        for conversation in client.get("/api/agent/conversations").json()["conversations"]:
            if conversation["openId"] == customer.open_id:
                return conversation["id"]
        return None

    conversation = wait_for(assigned, what="the conversation to reach the agent")
    path = f"/api/agent/conversations/{conversation}"
    for i in range(5):  # the window's 5 replies
        assert client.post(f"{path}/messages", json={"text": f"r{i}"}).status_code == 202
    refused = client.post(f"{path}/messages", json={"text": "one more"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "reply_window"

    offered = client.get(f"{path}/templates").json()["templates"]
    assert [t["templateId"] for t in offered] == [TEMPLATE_ID]
    too_long = client.post(
        f"{path}/templates",
        json={"templateId": TEMPLATE_ID, "fields": {"keyword1": "A1", "thing2": "长" * 21}},
    )
    assert too_long.status_code == 400
    assert too_long.json()["error"]["field"] == "fields.thing2"
    sent = client.post(
        f"{path}/templates",
        json={"templateId": TEMPLATE_ID, "fields": {"keyword1": "A1024", "thing2": "已退款"}},
    )
    assert sent.status_code == 202, sent.text
    assert (sent.json()["type"], sent.json()["status"]) == ("template", "queued")

    def line():
        messages = client.get(path).json()["messages"]
        found = [m for m in messages if m["id"] == sent.json()["id"]]
        return found[0] if found and found[0]["details"].get("delivery") else None

    delivered = wait_for(line, what="the template's delivery report")
    assert delivered["status"] == "sent"
    assert delivered["details"]["delivery"] == "success"
    assert delivered["text"] == "订单状态\n订单号: A1024\n状态: 已退款"
    [message] = [m for m in wechat_api.templates_sent if m.touser == customer.open_id]
    assert message.data == {"keyword1": {"value": "A1024"}, "thing2": {"value": "已退款"}}
    assert delivered["details"]["msgId"] == message.msg_id

    timeline = admin.get(f"/api/admin/conversations/{conversation}/timeline").json()["events"]
    sends = [e for e in timeline if e["kind"] == "sent"]
    assert any(e["details"].get("messageType") == "template" for e in sends)
    listed = admin.get(f"/api/admin/accounts/{account_id}/templates").json()["templates"]
    assert listed[0]["sentToday"] == 1
    client.close()
