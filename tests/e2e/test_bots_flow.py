"""Bots, the privacy notice, surveys and erasure over HTTP, on devhost with its queues running,
WeChat's API simulator, and a webhook bot on loopback."""

from __future__ import annotations

import json
import time

import pytest

from shared.store.names import ATTACHMENTS_CONTAINER, TABLES, WORK_QUEUES
from tests.e2e.conftest import register, wait_for
from tools.webhook_bot import WebhookBotServer
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer

SECRET = "e2e-bot-secret-42"


@pytest.fixture
def bot():
    with WebhookBotServer(SECRET) as server:
        yield server


@pytest.fixture
def shop(app, admin, wechat_api, bot):
    """An account whose workstream puts a webhook bot first, with a notice and a survey."""
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    account_id = register(admin, account, mode="safe")
    general = admin.post("/api/admin/queues", json={"name": "General"}).json()
    orders = admin.post("/api/admin/queues", json={"name": "Orders"}).json()
    workstream = admin.post(
        "/api/admin/workstreams",
        json={
            "name": "shop",
            "accountId": account_id,
            "language": "en",
            "fallbackQueueId": general["id"],
            "bot": {"type": "webhook", "url": bot.url, "secret": SECRET},
            "routingRules": [
                {
                    "name": "orders",
                    "condition": {"field": "context.topic", "op": "equals", "value": "orders"},
                    "queueId": orders["id"],
                }
            ],
            "automatedMessages": {"en": {"privacyNotice": "This chat may be recorded."}},
            "survey": {
                "type": "rating",
                "questions": {"en": "Rate us 1-5"},
                "thanks": {"en": "Thanks!"},
            },
        },
    )
    assert workstream.status_code == 201, workstream.text
    assert SECRET not in workstream.text
    agent = admin.post("/api/admin/agents", json={"name": "Lin", "queueIds": [orders["id"]]}).json()
    agent_client = app.client(agent["token"])
    agent_client.put("/api/agent/presence", json={"presence": "available"}).raise_for_status()
    yield account, account_id, orders, agent_client
    agent_client.close()


def says(app, wechat_api, account, account_id, customer, text, *, create_time=None):
    wechat_api.customer_wrote(account.app_id, customer.open_id)
    fields = customer.text(text, create_time=create_time)
    app.push(account_id, *customer.push(fields, "safe")).raise_for_status()


def received(wechat_api, customer):
    return [
        m.body.get("text", {}).get("content")
        for m in wechat_api.sent
        if m.touser == customer.open_id
    ]


def test_the_bot_answers_then_hands_over_with_context_and_summary(
    app, admin, wechat_api, shop, bot
):
    account, account_id, orders, agent = shop
    customer = WeChatCustomer(account)
    says(app, wechat_api, account, account_id, customer, "hello")
    wait_for(
        lambda: received(wechat_api, customer) == ["This chat may be recorded.", "You said: hello"],
        what="the notice, then the bot's answer",
    )
    # WeChat's CreateTime is whole seconds, and a customer's line sorts before our lines of
    # the same second; a person answering the bot does so a second or more later.
    later = int(time.time()) + 1
    says(app, wechat_api, account, account_id, customer, "where is my order?", create_time=later)

    def with_agent():
        found = agent.get("/api/agent/conversations").json()["conversations"]
        return found[0] if found else None

    conversation = wait_for(with_agent, what="the escalated conversation at the agent")
    assert (conversation["queueId"], conversation["rule"]) == (orders["id"], "orders")
    assert conversation["context"] == {"topic": "orders"}
    detail = agent.get(f"/api/agent/conversations/{conversation['id']}").json()
    assert detail["botSummary"].startswith("Asks about an order")
    assert [m.get("sender", "customer") for m in detail["messages"][:4]] == [
        "customer",
        "system",
        "bot",
        "customer",
    ]
    assert bot.rejected == 0

    # The agent closes; the customer rates; no new conversation opens.
    agent.post(f"/api/agent/conversations/{conversation['id']}/close", json={}).raise_for_status()
    wait_for(lambda: "Rate us 1-5" in received(wechat_api, customer), what="the survey")
    says(app, wechat_api, account, account_id, customer, "5")
    wait_for(lambda: "Thanks!" in received(wechat_api, customer), what="the thanks")
    rated = admin.get(f"/api/admin/conversations/{conversation['id']}").json()
    assert rated["rating"] == 5
    open_ones = admin.get(
        "/api/admin/conversations", params={"accountId": account_id, "state": "open"}
    ).json()
    assert open_ones["conversations"] == []
    assert received(wechat_api, customer).count("This chat may be recorded.") == 1


def test_a_bot_that_times_out_hands_over(app, admin, wechat_api, shop, bot):
    account, account_id, _, _ = shop
    bot.delay = 6.0  # over the default 5-second timeout
    customer = WeChatCustomer(account)
    says(app, wechat_api, account, account_id, customer, "are you there?")

    def escalated():
        listing = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
        return [c for c in listing["conversations"] if c.get("bot") == "escalated"]

    [conversation] = wait_for(escalated, timeout=30, what="the escalation")
    assert "did not answer" in conversation["botSummary"]


def test_erasure_leaves_no_trace_in_any_table_queue_or_container(
    app, admin, wechat_api, storage, shop
):
    account, account_id, _, _ = shop
    customer = WeChatCustomer(account)
    says(app, wechat_api, account, account_id, customer, "hello")
    wait_for(lambda: len(received(wechat_api, customer)) == 2, what="the bot's answer")
    listing = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
    needles = [customer.open_id] + [
        c["id"] for c in listing["conversations"] if c["openId"] == customer.open_id
    ]
    assert len(needles) == 2
    response = admin.delete(f"/api/admin/customers/{account_id}/{customer.open_id}")
    assert response.status_code == 200, response.text
    removed = response.json()["removed"]
    assert removed["conversations"] == 1
    assert removed["inbound"] == 1
    assert removed["customer"] == 1

    left = []
    for table in TABLES:
        for entity in storage.table(table).list_entities():
            text = json.dumps({k: str(v) for k, v in entity.items()})
            if any(needle in text for needle in needles):
                left.append((table, entity["RowKey"]))
    for queue in WORK_QUEUES:
        for message in storage.queue(queue).peek_messages(max_messages=32):
            if any(needle in message.content for needle in needles):
                left.append((queue, message.content))
    for blob in storage.container(ATTACHMENTS_CONTAINER).list_blobs(name_starts_with=account_id):
        left.append((ATTACHMENTS_CONTAINER, blob.name))
    assert left == []
    again = admin.delete(f"/api/admin/customers/{account_id}/{customer.open_id}")
    assert again.status_code == 404, again.text  # nothing of theirs is left
    bad = admin.delete(f"/api/admin/customers/{account_id}/o%27%20or%201")
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "openId")


def test_a_bot_on_a_private_address_is_refused_when_saved(admin):
    account = SimulatedAccount.random()
    account_id = register(admin, account, mode="plaintext")
    queue = admin.post("/api/admin/queues", json={"name": "q"}).json()
    answer = admin.post(
        "/api/admin/workstreams",
        json={
            "name": "ws",
            "accountId": account_id,
            "fallbackQueueId": queue["id"],
            "bot": {"type": "webhook", "url": "https://169.254.169.254/bot", "secret": SECRET},
        },
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"]["field"] == "bot.url"
    assert "link-local" in answer.json()["error"]["message"]
