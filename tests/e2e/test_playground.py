"""The WeChat customer playground over HTTP: an account registered with the simulator, a
customer who writes, sends an image, taps the menu, follows and unfollows (the app stores each
push), and a thread that shows what the app sent, delivered or refused by WeChat."""

from __future__ import annotations

import re
import secrets
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount
from tools.wechat_simulator.playground import PAGE_PATH

API = PAGE_PATH + "api/"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture
def playground(wechat_api) -> httpx.Client:
    with httpx.Client(base_url=wechat_api.url, timeout=30) as client:
        yield client


@pytest.fixture
def shop(app, admin, wechat_api, playground):
    """An account in the app (with a workstream and an available agent) and in the simulator,
    registered through the playground's API; a new customer."""
    account = SimulatedAccount.random()
    account_id = register(admin, account)
    queue = admin.post("/api/admin/queues", json={"name": "Playground"}).json()
    admin.post(
        "/api/admin/workstreams",
        json={"name": "ws", "accountId": account_id, "fallbackQueueId": queue["id"]},
    ).raise_for_status()
    agent = admin.post("/api/admin/agents", json={"name": "Lin", "queueIds": [queue["id"]]}).json()
    agent_client = app.client(agent["token"])
    agent_client.put("/api/agent/presence", json={"presence": "available"}).raise_for_status()
    server_url = f"{app.url}/api/wechat/{account_id}"
    response = playground.post(
        "/__sim/accounts",
        json={**account.registration(name="Playground shop"), "serverUrl": server_url},
    )
    assert response.status_code == 201, response.text
    who = {"appId": account.app_id, "openId": "oPlay" + secrets.token_hex(11)}
    yield account_id, account, who, agent_client
    agent_client.close()


def send(playground: httpx.Client, who: dict[str, str], **body: Any) -> dict[str, Any]:
    response = playground.post(API + "send", json={**who, **body})
    assert response.status_code == 200, response.text
    item = response.json()["item"]
    assert item["appAnswer"] == {"status": 200, "body": "success"}, item
    return item


def thread(playground: httpx.Client, who: dict[str, str]) -> dict[str, Any]:
    response = playground.get(API + "thread", params=who)
    assert response.status_code == 200, response.text
    return response.json()


def conversation_of(admin: httpx.Client, account_id: str, open_id: str) -> dict[str, Any] | None:
    listed = admin.get("/api/admin/conversations", params={"accountId": account_id}).json()
    found = [c for c in listed["conversations"] if c["openId"] == open_id]
    if not found:
        return None
    return admin.get(f"/api/admin/conversations/{found[0]['id']}").json()


def test_accounts_are_listed_without_their_secrets(playground, shop):
    account_id, account, _, _ = shop
    listed = playground.get("/__sim/accounts").json()["accounts"]
    [mine] = [a for a in listed if a["appId"] == account.app_id]
    assert mine == {
        "name": "Playground shop",
        "appId": account.app_id,
        "originalId": account.original_id,
        "messageMode": "safe",
        "serverUrl": mine["serverUrl"],
    }
    assert mine["serverUrl"].endswith(f"/api/wechat/{account_id}")
    text = playground.get("/__sim/accounts").text
    for secret in (account.app_secret, account.token, account.encoding_aes_key):
        assert secret not in text


def test_what_the_customer_does_reaches_the_app(playground, shop, admin):
    account_id, _, who, _ = shop
    send(playground, who, type="text", text="你好，我想查询订单 📦")
    conversation = wait_for(
        lambda: conversation_of(admin, account_id, who["openId"]), what="the conversation"
    )
    image = playground.post(
        API + "image", params={**who, "filename": "parcel.png"}, content=PNG,
        headers={"Content-Type": "image/png"},
    )  # fmt: skip
    assert image.status_code == 200, image.text
    assert image.json()["item"]["appAnswer"]["status"] == 200
    media_id = image.json()["item"]["mediaUrl"].rsplit("/", 1)[1]
    send(playground, who, type="click", eventKey="REFUND")
    send(playground, who, type="subscribe")
    send(playground, who, type="unsubscribe")

    def all_stored():
        detail = conversation_of(admin, account_id, who["openId"])
        kinds = [(m["type"], m.get("event")) for m in detail["messages"]]
        return detail if len(kinds) >= 5 and detail["state"] == "closed" else None

    detail = wait_for(all_stored, what="the five pushes in the transcript")
    assert detail["id"] == conversation["id"]
    assert detail["closeReason"] == "customer_unsubscribed"
    # The transcript is in WeChat's order: by CreateTime, events before messages within a second.
    inbound = {m.get("event") or m["type"]: m for m in detail["messages"] if m["direction"] == "in"}
    assert sorted(inbound) == ["click", "image", "subscribe", "text", "unsubscribe"]
    assert inbound["text"]["text"] == "你好，我想查询订单 📦"
    assert inbound["image"]["mediaId"] == media_id
    assert "REFUND" in str(inbound["click"])

    items = thread(playground, who)["items"]
    assert [(i["from"], i["type"], i.get("event")) for i in items] == [
        ("customer", "text", None),
        ("customer", "image", None),
        ("customer", "event", "CLICK"),
        ("customer", "event", "subscribe"),
        ("customer", "event", "unsubscribe"),
    ]
    # The image the customer sent is the simulator's customer media, as the app fetched it.
    shown = playground.get(items[1]["mediaUrl"])
    assert (shown.content, shown.headers["content-type"]) == (PNG, "image/png")
    assert thread(playground, who)["customer"]["following"] is False


def test_voice_location_link_and_mini_program_from_the_playground(playground, shop, admin):
    account_id, _, who, _ = shop
    send(playground, who, type="voice", recognition="我想退货")
    send(playground, who, type="location", latitude=31.2304, longitude=121.4737, label="外滩")
    send(playground, who, type="link", url="https://shop.example/p/1", title="商品")
    send(playground, who, type="miniprogrampage", title="订单", pagePath="pages/o?id=1")

    def all_stored():
        detail = conversation_of(admin, account_id, who["openId"])
        return detail if detail and len(detail["messages"]) >= 4 else None

    detail = wait_for(all_stored, what="the four pushes in the transcript")
    inbound = {m["type"]: m for m in detail["messages"] if m["direction"] == "in"}
    assert inbound["voice"]["text"] == "我想退货"
    assert inbound["location"]["details"]["fields"]["label"] == "外滩"
    assert inbound["link"]["details"]["fields"]["url"] == "https://shop.example/p/1"
    assert inbound["miniprogrampage"]["details"]["fields"]["page_path"] == "pages/o?id=1"
    items = thread(playground, who)["items"]
    assert [(i["type"], i.get("text")) for i in items] == [
        ("voice", "我想退货"),
        ("location", "外滩"),
        ("link", "商品"),
        ("miniprogrampage", "订单"),
    ]
    bad = playground.post(API + "send", json={**who, "type": "location", "latitude": "north"})
    assert bad.status_code == 400


def test_agent_replies_show_in_the_thread_and_refused_ones_as_not_delivered(
    playground, shop, wechat_api
):
    _, _, who, agent = shop
    send(playground, who, type="text", text="我要退款")

    def assigned():
        listed = agent.get("/api/agent/conversations").json()["conversations"]
        return next((c["id"] for c in listed if c["openId"] == who["openId"]), None)

    conversation = wait_for(assigned, what="the conversation to reach the agent")
    messages = f"/api/agent/conversations/{conversation}/messages"
    agent.post(messages, json={"text": "您好，马上处理"}).raise_for_status()
    agent.post(messages, files={"file": ("receipt.png", PNG, "image/png")}).raise_for_status()

    def app_items(count: int):
        items = [i for i in thread(playground, who)["items"] if i["from"] == "app"]
        return items if len(items) >= count else None

    text, image = wait_for(lambda: app_items(2), what="both replies in the thread")
    assert (text["type"], text["text"], text["delivered"]) == ("text", "您好，马上处理", True)
    assert (image["type"], image["delivered"]) == ("image", True)
    assert playground.get(image["mediaUrl"]).content == PNG

    lapsed = playground.post(API + "lapse-window", json=who)
    assert lapsed.status_code == 200, lapsed.text
    assert lapsed.json()["customer"]["windowExpiresAt"] is None
    # The app still counts the window open; WeChat refuses the send.
    agent.post(messages, json={"text": "还在吗？"}).raise_for_status()
    *_, refused = wait_for(lambda: app_items(3), what="the refused reply in the thread")
    assert refused["text"] == "还在吗？"
    assert refused["delivered"] is False
    assert refused["errcode"] == 45015
    assert refused["errmsg"].startswith("response out of time limit")
    assert [m.msgtype for m in wechat_api.sent if m.touser == who["openId"]] == ["text", "image"]

    def failed():
        detail = agent.get(f"/api/agent/conversations/{conversation}").json()
        last = [m for m in detail["messages"] if m["direction"] == "out"][-1]
        return last if last["status"] == "failed" else None

    assert wait_for(failed, what="the app to mark it failed")["text"] == "还在吗？"


def test_a_used_up_quota_shows_45047(playground, shop):
    _, _, who, agent = shop
    send(playground, who, type="text", text="hi")

    def assigned():
        listed = agent.get("/api/agent/conversations").json()["conversations"]
        return next((c["id"] for c in listed if c["openId"] == who["openId"]), None)

    conversation = wait_for(assigned, what="the conversation to reach the agent")
    assert playground.post(API + "use-up-quota", json=who).json()["customer"]["repliesLeft"] == 0
    agent.post(
        f"/api/agent/conversations/{conversation}/messages", json={"text": "one more"}
    ).raise_for_status()

    def refused():
        items = [i for i in thread(playground, who)["items"] if i["from"] == "app"]
        return items[-1] if items else None

    assert wait_for(refused, what="the refusal")["errcode"] == 45047


class _Page(HTMLParser):
    """The page's labels (text, for=), element ids, buttons' names and scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.labels: dict[str, str] = {}
        self.ids: set[str] = set()
        self.buttons: list[str] = []
        self.scripts: list[dict[str, str | None]] = []
        self._open: tuple[str, str] | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(str(attributes["id"]))
        if tag == "script":
            self.scripts.append(attributes)
        if tag in ("label", "button"):
            self._open, self._text = (tag, str(attributes.get("for") or "")), []

    def handle_data(self, data: str) -> None:
        if self._open is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._open is not None and tag == self._open[0]:
            text = " ".join("".join(self._text).split())
            if tag == "label":
                self.labels[text] = self._open[1]
            else:
                self.buttons.append(text)
            self._open = None


def test_the_page_is_served_with_a_strict_policy_and_labelled_controls(playground):
    assert playground.get(PAGE_PATH.rstrip("/")).headers["location"] == PAGE_PATH
    page = playground.get(PAGE_PATH)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"

    parsed = _Page()
    parsed.feed(page.text)
    assert parsed.scripts
    assert all(script.get("src") for script in parsed.scripts), "an inline script"
    assert "style=" not in page.text, "an inline style"
    assert not re.search(r"\son[a-z]+=", page.text), "an inline event handler"
    for label in ("Account", "Customer OpenID", "Message", "Menu key", "AppID", "Server URL"):
        assert parsed.labels.get(label) in parsed.ids, f"no label {label!r} for a control"
    assert any(label.startswith("Image file") for label in parsed.labels)
    for button in ("Send", "Send image", "Click menu", "Follow", "Unfollow", "Register account"):
        assert button in parsed.buttons

    for name, content_type in [
        ("playground.js", "text/javascript; charset=utf-8"),
        ("playground.css", "text/css; charset=utf-8"),
        ("sample.png", "image/png"),
    ]:
        response = playground.get(PAGE_PATH + name)
        assert (response.status_code, response.headers["content-type"]) == (200, content_type)
    assert playground.get(PAGE_PATH + "sample.png").content.startswith(b"\x89PNG")
    assert playground.get(PAGE_PATH + "../api_server.py").status_code == 404


def test_requests_from_other_sites_are_refused(playground, shop, wechat_api):
    _, _, who, _ = shop
    rebound = playground.get(API + "thread", params=who, headers={"Host": "evil.example"})
    assert rebound.status_code == 403
    assert rebound.json()["error"]["code"] == "wrong_host"
    cross = playground.post(
        API + "send", json={**who, "type": "text", "text": "hi"},
        headers={"Origin": "https://evil.example"},
    )  # fmt: skip
    assert (cross.status_code, cross.json()["error"]["code"]) == (403, "cross_origin")
    form = playground.post(
        API + "send", content=b'{"type": "text"}', headers={"Content-Type": "text/plain"}
    )
    assert form.status_code == 415
    image_as_form = playground.post(
        API + "image", params=who, content=PNG, headers={"Content-Type": "multipart/form-data"}
    )
    assert image_as_form.status_code == 415
    same_origin = playground.post(
        API + "send", json={**who, "type": "text", "text": "from the page"},
        headers={"Origin": wechat_api.url},
    )  # fmt: skip
    assert same_origin.status_code == 200, same_origin.text
    assert [i["text"] for i in thread(playground, who)["items"]] == ["from the page"]


def test_bad_requests_say_what_is_wrong(playground, shop):
    _, account, who, _ = shop
    unknown = playground.post(
        API + "send", json={**who, "appId": "wx" + "0" * 16, "type": "text", "text": "hi"}
    )
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "unknown_account")
    bad_customer = playground.post(API + "send", json={**who, "openId": "a b", "type": "subscribe"})
    assert bad_customer.status_code == 400
    assert "openId" in bad_customer.json()["error"]["message"]
    bad_type = playground.post(API + "send", json={**who, "type": "music"})
    assert bad_type.status_code == 400
    registration = {**account.registration(), "serverUrl": "http://127.0.0.1:1/x"}
    for field, value, message in [
        ("appId", "wx123", 'appId must be "wx" followed by 16 hex digits'),
        ("encodingAesKey", "short", "encodingAesKey must be 43 letters and digits"),
        ("serverUrl", "file:///etc/passwd", "serverUrl must be the account's server URL"),
        ("messageMode", "secret", "messageMode must be one of plaintext, compatible, safe"),
    ]:
        response = playground.post("/__sim/accounts", json={**registration, field: value})
        assert response.status_code == 400, field
        assert response.json()["error"]["message"].startswith(message)
    extra = playground.post("/__sim/accounts", json={**registration, "sandbox": True})
    assert extra.json()["error"]["message"] == "unknown fields: sandbox"
    assert playground.get(API + "nothing").status_code == 404
    assert playground.get(API + "send").status_code == 405
