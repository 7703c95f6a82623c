"""Over HTTP on devhost with its queues running and WeChat's API simulator: an agent sends a
video with its thumbnail, a news article and a mini-program card, and WeChat gets them as its
docs say; an admin uploads a permanent image, the FAQ bot's answer uses it, and the customer
receives that image."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import register, wait_for
from tools.wechat_simulator import SimulatedAccount, WeChatCustomer

MP4 = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 3000
JPEG = b"\xff\xd8\xff\xe0" + b"\x22" * 1500
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
MINI_APP = "wx00112233445566aa"


@pytest.fixture
def desk(app, admin, wechat_api):
    """An account linked to one mini-program, its workstream and an available agent."""
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    wechat_api.linked_mini_programs[account.app_id] = {MINI_APP}
    account_id = register(admin, account, mode="safe")
    linked = admin.patch(
        f"/api/admin/accounts/{account_id}", json={"miniProgramAppIds": [MINI_APP]}
    )
    assert linked.status_code == 200, linked.text
    assert linked.json()["miniProgramAppIds"] == [MINI_APP]
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
    app.push(account_id, *customer.push(customer.text("hi"), "safe")).raise_for_status()

    def assigned():
        found = client.get("/api/agent/conversations").json()["conversations"]
        return next((c["id"] for c in found if c["openId"] == customer.open_id), None)

    conversation = wait_for(assigned, what="the conversation to reach the agent")
    yield client, customer, conversation
    client.close()


def test_an_agent_sends_a_video_an_article_and_a_mini_program_card(desk, wechat_api):
    agent, customer, conversation = desk
    base = f"/api/agent/conversations/{conversation}"
    capabilities = agent.get(base).json()["capabilities"]
    assert capabilities["miniProgramAppIds"] == [MINI_APP]
    assert {"type": "video", "contentTypes": ["video/mp4"], "maxBytes": 10 * 2**20} in (
        capabilities["mediaLimits"]
    )

    video = agent.post(
        f"{base}/messages",
        files={"file": ("demo.mp4", MP4, "video/mp4"), "thumb": ("cover.jpg", JPEG, "image/jpeg")},
        data={"title": "How to", "description": "Two minutes"},
    )
    assert video.status_code == 202, video.text
    assert (video.json()["type"], video.json()["details"]["video"]["title"]) == ("video", "How to")
    article = {
        "title": "Refund",
        "url": "https://shop.example.com/r",
        "picUrl": "https://shop.example.com/p.png",
    }
    news = agent.post(f"{base}/news", json={"news": article})
    assert news.status_code == 202, news.text
    card = agent.post(
        f"{base}/mini-program-cards",
        data={"title": "Track order", "appId": MINI_APP, "pagePath": "pages/order/index?id=7"},
        files={"thumb": ("card.png", PNG, "image/png")},
    )
    assert card.status_code == 202, card.text

    sent = wait_for(
        lambda: (
            (m := [s for s in wechat_api.sent if s.touser == customer.open_id])
            and len(m) >= 3
            and m
        ),
        what="three messages at WeChat",
    )
    assert [m.msgtype for m in sent] == ["video", "news", "miniprogrampage"]
    body = sent[0].body["video"]
    assert (body["title"], body["description"]) == ("How to", "Two minutes")
    assert wechat_api.media(body["media_id"]).content == MP4
    assert wechat_api.media(body["thumb_media_id"]).content == JPEG
    assert sent[1].body["news"] == {
        "articles": [
            {
                "title": "Refund",
                "url": "https://shop.example.com/r",
                "picurl": "https://shop.example.com/p.png",
            }
        ]
    }
    page = sent[2].body["miniprogrampage"]
    assert (page["appid"], page["pagepath"], page["title"]) == (
        MINI_APP,
        "pages/order/index?id=7",
        "Track order",
    )
    assert wechat_api.media(page["thumb_media_id"]).content == PNG

    messages = agent.get(base).json()["messages"]
    ours = [m for m in messages if m["direction"] == "out"]
    assert [(m["type"], m["status"]) for m in ours[-3:]] == [
        ("video", "sent"),
        ("news", "sent"),
        ("miniprogrampage", "sent"),
    ]
    assert ours[-2]["details"]["news"]["url"] == "https://shop.example.com/r"
    assert ours[-1]["details"]["miniProgramPage"]["appId"] == MINI_APP


def test_cards_of_other_mini_programs_and_bad_articles_are_refused(desk, wechat_api):
    agent, _, conversation = desk
    base = f"/api/agent/conversations/{conversation}"
    other = agent.post(
        f"{base}/mini-program-cards",
        data={"title": "t", "appId": "wxffffffffffffffff", "pagePath": "pages/i"},
        files={"thumb": ("c.png", PNG, "image/png")},
    )
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "mini_program_not_linked"
    bad = agent.post(f"{base}/news", json={"news": {"title": "t", "url": "javascript:x"}})
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "news.url"
    thumb = agent.post(
        f"{base}/messages",
        files={"file": ("a.mp4", MP4, "video/mp4"), "thumb": ("t.png", PNG, "image/png")},
    )
    assert thumb.status_code == 400
    assert thumb.json()["error"]["field"] == "thumb"


def test_an_admins_material_answers_a_faq_entry(app, admin, wechat_api):
    account = SimulatedAccount.random()
    wechat_api.add_account(account.app_id, account.app_secret)
    account_id = register(admin, account, mode="safe")
    upload = admin.post(
        f"/api/admin/accounts/{account_id}/materials",
        files={"file": ("map.png", PNG, "image/png")},
        data={"name": "Store map"},
    )
    assert upload.status_code == 201, upload.text
    material = upload.json()
    assert (material["name"], material["type"], material["size"]) == (
        "Store map",
        "image",
        len(PNG),
    )
    assert wechat_api.media(material["mediaId"]).permanent
    raw = admin.post(
        f"/api/admin/accounts/{account_id}/materials?name=logo",
        content=JPEG,
        headers={"Content-Type": "image/jpeg"},
    )
    assert raw.status_code == 201, raw.text
    listed = admin.get(f"/api/admin/accounts/{account_id}/materials").json()["materials"]
    assert [m["name"] for m in listed] == ["Store map", "logo"]
    pdf = admin.post(
        f"/api/admin/accounts/{account_id}/materials",
        files={"file": ("x.pdf", b"%PDF-1.4", "application/pdf")},
    )
    assert (pdf.status_code, pdf.json()["error"]["code"]) == (400, "unsupported_material")

    queue = admin.post("/api/admin/queues", json={"name": "Service"}).json()
    faq = {
        "type": "faq",
        "entries": [
            {
                "name": "map",
                "keywords": ["map"],
                "answers": {"en": {"image": {"mediaId": material["mediaId"]}}},
            }
        ],
    }
    admin.post(
        "/api/admin/workstreams",
        json={
            "name": "ws",
            "accountId": account_id,
            "language": "en",
            "fallbackQueueId": queue["id"],
            "bot": faq,
        },
    ).raise_for_status()
    customer = WeChatCustomer(account)
    wechat_api.customer_wrote(account.app_id, customer.open_id)
    app.push(
        account_id, *customer.push(customer.text("where is the map?"), "safe")
    ).raise_for_status()
    [image] = wait_for(
        lambda: [m for m in wechat_api.sent if m.touser == customer.open_id] or None,
        what="the bot's image at WeChat",
    )
    assert image.body["image"] == {"media_id": material["mediaId"]}

    gone = admin.delete(f"/api/admin/accounts/{account_id}/materials/{listed[1]['id']}")
    assert gone.status_code == 204
    assert wechat_api.media(listed[1]["mediaId"]) is None

    deleted = admin.delete(f"/api/admin/accounts/{account_id}")
    assert deleted.status_code == 204
    again = register(admin, account, mode="safe")  # the same AppID, a new account
    assert admin.get(f"/api/admin/accounts/{again}/materials").json() == {"materials": []}
    assert admin.get(f"/api/admin/accounts/{account_id}/materials").status_code == 404
