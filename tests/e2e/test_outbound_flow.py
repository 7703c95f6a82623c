"""A customer writes, an agent answers with text and an image, and WeChat (the API
simulator) receives them in order with a valid token; faults and the reply window over HTTP.
Real answers are also checked against the OpenAPI document."""

from __future__ import annotations

import hashlib

import httpx
import pytest

from shared.desk.workspace import MAX_UPLOAD_BYTES
from tests.conftest import schema_validator
from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer
from triggers.requests import FORM_OVERHEAD

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 16


def check_against_docs(openapi: dict, method: str, path: str, status: int, body) -> None:
    schema = openapi["paths"][path][method]["responses"][str(status)]["content"][
        "application/json"
    ]["schema"]
    schema_validator(openapi, schema).validate(body)


@pytest.fixture
def desk(app, admin, wechat_api):
    """An account with a workstream and an available agent; returns helpers for one customer."""
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    account_id = register(admin, account, mode="safe")
    queue = admin.post("/api/admin/queues", json={"name": "Service"}).json()
    admin.post(
        "/api/admin/workstreams",
        json={"name": "ws", "accountId": account_id, "fallbackQueueId": queue["id"]},
    ).raise_for_status()
    agent = admin.post("/api/admin/agents", json={"name": "Lin", "queueIds": [queue["id"]]}).json()
    client = app.client(agent["token"])
    client.put("/api/agent/presence", json={"presence": "available"}).raise_for_status()

    def customer_writes(customer: WeChatCustomer, text: str) -> str:
        wechat_api.customer_wrote(account.app_id, customer.open_id)
        app.push(account_id, *customer.push(customer.text(text), "safe")).raise_for_status()

        def assigned():
            for conversation in client.get("/api/agent/conversations").json()["conversations"]:
                if conversation["openId"] == customer.open_id:
                    return conversation["id"]
            return None

        return wait_for(assigned, what="the conversation to reach the agent")

    yield account, client, customer_writes
    client.close()


def sent_to(wechat_api, open_id: str) -> list:
    return [m for m in wechat_api.sent if m.touser == open_id]


def test_an_agent_reply_and_image_reach_wechat_in_order(desk, wechat_api, openapi):
    account, agent, customer_writes = desk
    customer = WeChatCustomer(account)
    conversation = customer_writes(customer, "我的订单呢？")

    text = agent.post(
        f"/api/agent/conversations/{conversation}/messages", json={"text": "马上为您查询"}
    )
    assert text.status_code == 202, text.text
    assert text.json()["status"] == "queued"
    check_against_docs(openapi, "post", "/api/agent/conversations/{id}/messages", 202, text.json())
    image = agent.post(
        f"/api/agent/conversations/{conversation}/messages",
        files={"file": ("receipt.png", PNG, "image/png")},
    )
    assert image.status_code == 202, image.text

    wait_for(
        lambda: len(sent_to(wechat_api, customer.open_id)) == 2, what="both messages at WeChat"
    )
    first, second = sent_to(wechat_api, customer.open_id)
    assert (first.msgtype, first.body["text"]["content"]) == ("text", "马上为您查询")
    assert second.msgtype == "image"
    assert wechat_api.media(second.body["image"]["media_id"]).content == PNG
    assert first.access_token == second.access_token

    def both_sent():
        detail = agent.get(f"/api/agent/conversations/{conversation}").json()
        outbound = [m for m in detail["messages"] if m["direction"] == "out"]
        return detail if [m["status"] for m in outbound] == ["sent", "sent"] else None

    detail = wait_for(both_sent, what="both marked sent")
    check_against_docs(openapi, "get", "/api/agent/conversations/{id}", 200, detail)
    assert detail["window"]["messagesLeft"] == 3
    image_entry = next(m for m in detail["messages"] if m["type"] == "image")
    attachment = agent.get(image_entry["attachment"]["url"])
    assert attachment.content == PNG
    assert image_entry["attachment"]["sha256"] == hashlib.sha256(PNG).hexdigest()


def test_a_rejected_token_is_refreshed_once_and_the_message_goes(desk, wechat_api):
    account, agent, customer_writes = desk
    customer = WeChatCustomer(account)
    conversation = customer_writes(customer, "hi")
    agent.post(
        f"/api/agent/conversations/{conversation}/messages", json={"text": "warm-up"}
    ).raise_for_status()
    wait_for(lambda: sent_to(wechat_api, customer.open_id), what="the warm-up")
    fetches = wechat_api.token_fetches
    wechat_api.inject("/cgi-bin/message/custom/send", errcode=40001)
    agent.post(
        f"/api/agent/conversations/{conversation}/messages", json={"text": "after 40001"}
    ).raise_for_status()
    wait_for(lambda: len(sent_to(wechat_api, customer.open_id)) == 2, what="the retried message")
    assert sent_to(wechat_api, customer.open_id)[-1].body["text"]["content"] == "after 40001"
    assert wechat_api.token_fetches == fetches + 1


def test_45015_fails_with_a_reason_the_agent_can_read(desk, wechat_api):
    account, agent, customer_writes = desk
    customer = WeChatCustomer(account)
    conversation = customer_writes(customer, "hi")
    wechat_api.inject("/cgi-bin/message/custom/send", errcode=45015)
    agent.post(
        f"/api/agent/conversations/{conversation}/messages", json={"text": "late"}
    ).raise_for_status()

    def failed():
        messages = agent.get(f"/api/agent/conversations/{conversation}").json()["messages"]
        return [m for m in messages if m.get("status") == "failed"]

    [message] = wait_for(failed, what="the failure")
    assert message["details"]["errcode"] == 45015
    assert "48-hour reply window has closed" in message["details"]["reason"]


def test_a_reply_the_window_cannot_take_is_refused_at_once(desk, wechat_api, openapi):
    account, agent, customer_writes = desk
    customer = WeChatCustomer(account)
    conversation = customer_writes(customer, "hi")
    for i in range(5):
        assert (
            agent.post(
                f"/api/agent/conversations/{conversation}/messages", json={"text": f"{i}"}
            ).status_code
            == 202
        )
    refused = agent.post(
        f"/api/agent/conversations/{conversation}/messages", json={"text": "sixth"}
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "reply_window"
    assert "wait for the customer" in refused.json()["error"]["message"]
    listed = agent.get("/api/agent/conversations").json()
    check_against_docs(openapi, "get", "/api/agent/conversations", 200, listed)
    [mine] = [c for c in listed["conversations"] if c["id"] == conversation]
    assert mine["window"]["messagesLeft"] == 0


def test_text_too_long_for_wechat_is_400(desk):
    account, agent, customer_writes = desk
    conversation = customer_writes(WeChatCustomer(account), "hi")
    response = agent.post(
        f"/api/agent/conversations/{conversation}/messages", json={"text": "字" * 700}
    )
    assert (response.status_code, response.json()["error"]["field"]) == (400, "text")


def test_an_upload_over_the_limit_is_refused_before_it_is_parsed(desk):
    """Not even a form: parsing it would answer 400. 413 shows the size was checked first."""
    account, agent, customer_writes = desk
    conversation = customer_writes(WeChatCustomer(account), "hi")
    url = f"/api/agent/conversations/{conversation}/messages"
    form = {"Content-Type": "multipart/form-data; boundary=x"}
    for size in (MAX_UPLOAD_BYTES + FORM_OVERHEAD + 1, 30 * 2**20):
        response = agent.post(url, content=b"\0" * size, headers=form)
        assert response.status_code == 413, response.text
    over = agent.post(url, content=b"\0" * (MAX_UPLOAD_BYTES + FORM_OVERHEAD + 1), headers=form)
    assert over.json()["error"] == {
        "code": "body_too_large",
        "message": "a file may be at most 20 MB",
    }
    messages = agent.get(f"/api/agent/conversations/{conversation}").json()["messages"]
    assert [m for m in messages if m["direction"] == "out"] == []


def test_served_files_are_sandboxed_downloads(app, desk, wechat_api):
    account, agent, customer_writes = desk
    customer = WeChatCustomer(account)
    conversation = customer_writes(customer, "hi")
    url = f"/api/agent/conversations/{conversation}/messages"
    page = agent.post(url, files={"file": ('报告 "final".html', b"<script>1</script>")})
    image = agent.post(url, files={"file": ("receipt.png", PNG, "image/png")})
    assert (page.status_code, image.status_code) == (202, 202), page.text
    assert page.json()["attachment"]["filename"] == "报告 final.html"

    downloads = {
        "attachment route": agent.get(page.json()["attachment"]["url"]),
        "image": agent.get(image.json()["attachment"]["url"]),
    }
    wait_for(lambda: len(sent_to(wechat_api, customer.open_id)) == 2, what="both at WeChat")
    [link] = [m for m in sent_to(wechat_api, customer.open_id) if m.msgtype == "text"]
    token = link.body["text"]["content"].rsplit("/api/files/", 1)[1]
    downloads["signed link"] = httpx.get(f"{app.url}/api/files/{token}")
    for what, response in downloads.items():
        assert response.status_code == 200, what
        assert response.headers["content-security-policy"] == "sandbox; default-src 'none'"
        assert response.headers["x-content-type-options"] == "nosniff"
    assert downloads["image"].headers["content-type"] == "image/png"
    assert downloads["image"].headers["content-disposition"] == 'attachment; filename="receipt.png"'
    for what in ("attachment route", "signed link"):
        headers = downloads[what].headers
        assert headers["content-type"] == "application/octet-stream", what
        assert headers["content-disposition"] == (
            'attachment; filename="__ final.html"; '
            "filename*=UTF-8''%E6%8A%A5%E5%91%8A%20final.html"
        ), what
        assert downloads[what].content == b"<script>1</script>"


def test_the_openapi_document_is_served(app):
    response = httpx.get(f"{app.url}/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["openapi"] == "3.1.0"
