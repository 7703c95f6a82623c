"""Over HTTP on devhost with the API simulator: an agent's typing reaches WeChat once per 15 s
whatever the console reports, and a customer's voice, location, link, Mini Program page and
video arrive in the agent API's transcript with what their cards need."""

from __future__ import annotations

import time

import pytest

from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer

JPEG = b"\xff\xd8\xff\xe0" + b"p" * 400
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"v" * 2000


@pytest.fixture
def desk(app, admin, wechat_api):
    """An account, a workstream and an available agent; (account id, agent client, customer,
    conversation id) once the customer's first message reached the agent."""
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
    customer = WeChatCustomer(account)
    wechat_api.customer_wrote(account.app_id, customer.open_id)
    app.push(account_id, *customer.push(customer.text("在吗？"), "safe")).raise_for_status()

    def assigned():
        for conversation in client.get("/api/agent/conversations").json()["conversations"]:
            if conversation["openId"] == customer.open_id:
                return conversation["id"]
        return None

    conversation = wait_for(assigned, what="the conversation to reach the agent")
    yield account_id, client, customer, conversation
    client.close()


def test_typing_reaches_wechat_at_most_once_per_15_seconds(desk, wechat_api):
    _, agent, customer, conversation = desk
    url = f"/api/agent/conversations/{conversation}/typing"

    def calls():
        return [
            (c.command, c.errcode) for c in wechat_api.typing_calls if c.touser == customer.open_id
        ]

    for _ in range(3):  # a console reporting keystrokes
        response = agent.post(url, json={"typing": True})
        assert response.status_code == 204, response.text
    assert calls() == [("Typing", 0)]
    assert agent.post(url, json={"typing": False}).status_code == 204
    assert agent.post(url, json={"typing": False}).status_code == 204
    assert calls() == [("Typing", 0), ("CancelTyping", 0)]
    assert agent.post(url, json={"typing": "yes"}).status_code == 400
    time.sleep(15.2)  # the app's clock is the real one: the indicator has shown its 15 s
    assert agent.post(url, json={"typing": True}).status_code == 204
    assert calls() == [("Typing", 0), ("CancelTyping", 0), ("Typing", 0)]
    window = agent.get(f"/api/agent/conversations/{conversation}").json()["window"]
    assert window["messagesLeft"] == 5  # typing spends no message


def test_cards_and_a_video_poster_in_the_agent_transcript(desk, app, wechat_api):
    account_id, agent, customer, conversation = desk
    video_id = wechat_api.add_media(VIDEO, "video/mp4", "video", "clip.mp4")
    thumb_id = wechat_api.add_media(JPEG, "image/jpeg", "thumb", "poster.jpg")
    amr_id = wechat_api.add_media(b"#!AMR\n" + bytes(30), "audio/amr", "voice")
    pushes = [
        customer.voice(amr_id, recognition="我想查订单"),
        customer.location(31.2304, 121.4737, label="上海外滩"),
        customer.link("https://shop.example/p/1", title="这个商品", description="还有货吗"),
        customer.miniprogrampage(title="订单详情", page_path="pages/order?id=9"),
        customer.video(video_id, thumb_media_id=thumb_id),
    ]
    for fields in pushes:
        wechat_api.customer_wrote(customer.account.app_id, customer.open_id)
        app.push(account_id, *customer.push(fields, "safe")).raise_for_status()

    def lines():
        detail = agent.get(f"/api/agent/conversations/{conversation}").json()
        by_type = {m["type"]: m for m in detail["messages"] if m["direction"] == "in"}
        video = by_type.get("video")
        return by_type if video and "thumbnail" in video and len(by_type) == 6 else None

    by_type = wait_for(lines, what="every line, the video with its poster")
    assert by_type["voice"]["text"] == "我想查订单"
    location = by_type["location"]["details"]["fields"]
    assert (location["label"], location["location_x"], location["location_y"]) == (
        "上海外滩",
        31.2304,
        121.4737,
    )
    link = by_type["link"]["details"]["fields"]
    assert (link["title"], link["description"], link["url"]) == (
        "这个商品",
        "还有货吗",
        "https://shop.example/p/1",
    )
    page = by_type["miniprogrampage"]["details"]["fields"]
    assert (page["title"], page["page_path"]) == ("订单详情", "pages/order?id=9")
    poster = agent.get(by_type["video"]["thumbnail"]["url"])
    assert poster.status_code == 200
    assert poster.content == JPEG
    assert poster.headers["content-type"].startswith("image/jpeg")
    assert agent.get(by_type["video"]["attachment"]["url"]).content == VIDEO
