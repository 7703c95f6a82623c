"""The reply box's typing reports and the transcript's cards, in a browser on devhost with the
WeChat API simulator: typing in the box shows the customer "typing…" (clearing it cancels), and
locations, links, Mini Program pages and videos show as cards, only http(s) links clickable."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tools.desk import Desk, sign_in
from tools.local_app import wait_for

pytestmark = pytest.mark.timeout(90)

POSTER = (
    Path(__file__).resolve().parents[2] / "tools/wechat_simulator/playground/sample.png"
).read_bytes()
VIDEO = b"\x00\x00\x00\x18ftypmp42" + b"v" * 2000


@pytest.fixture
def desk(app, wechat_api, admin) -> Desk:
    return Desk.open(app, wechat_api, admin)


def open_conversation(page: Page, open_id: str) -> None:
    page.get_by_role("navigation", name="My conversations").get_by_role("button").filter(
        has_text=open_id
    ).click()
    expect(page.get_by_role("heading", level=2).filter(has_text=open_id)).to_be_visible()


def test_typing_in_the_reply_box_shows_the_customer_typing(page, desk, wechat_api):
    agent = desk.agent("Lin")
    sign_in(page, agent.token)
    customer = desk.customer()
    desk.write(customer, "在吗")
    open_conversation(page, customer.open_id)

    def commands():
        return [c.command for c in wechat_api.typing_calls if c.touser == customer.open_id]

    box = page.get_by_label("Reply", exact=True)
    box.press_sequentially("您好，我")
    wait_for(lambda: commands() == ["Typing"], 10, "the Typing call")
    box.fill("")
    box.dispatch_event("input")
    wait_for(lambda: commands() == ["Typing", "CancelTyping"], 10, "the CancelTyping call")


def test_cards_and_a_video_poster_in_the_transcript(page, desk, wechat_api):
    agent = desk.agent("Lin")
    sign_in(page, agent.token)
    customer = desk.customer()
    desk.write(customer, "看这些")
    video_id = wechat_api.add_media(VIDEO, "video/mp4", "video", "clip.mp4")
    thumb_id = wechat_api.add_media(POSTER, "image/png", "thumb", "poster.png")
    for fields in (
        customer.location(31.2304, 121.4737, label="上海外滩"),
        customer.link("https://shop.example/p/1", title="这个商品", description="还有货吗"),
        customer.link("javascript:alert(1)", title="危险链接", description=""),
        customer.miniprogrampage(title="订单详情", page_path="pages/order?id=9"),
        customer.video(video_id, thumb_media_id=thumb_id),
    ):
        desk.push(customer, fields)
    open_conversation(page, customer.open_id)
    log = page.get_by_role("log", name="Transcript")

    location = log.get_by_role("listitem").filter(has_text="上海外滩")
    expect(location).to_contain_text("31.2304, 121.4737")
    map_link = location.get_by_role("link", name="Open in a map")
    expect(map_link).to_have_attribute(
        "href", re.compile(r"^https://uri\.amap\.com/marker\?position=121\.4737%2C31\.2304&")
    )
    expect(map_link).to_have_attribute("rel", "noopener noreferrer")
    safe = log.get_by_role("link", name="https://shop.example/p/1")
    expect(safe).to_have_attribute("rel", "noopener noreferrer")
    unsafe = log.get_by_role("listitem").filter(has_text="危险链接")
    expect(unsafe).to_contain_text("not an http link")
    expect(unsafe.get_by_role("link")).to_have_count(0)
    page_card = log.get_by_role("listitem").filter(has_text="Mini Program page")
    expect(page_card).to_contain_text("订单详情")
    expect(page_card).to_contain_text("wx0123456789abcdef")
    expect(page_card).to_contain_text("pages/order?id=9")
    poster = log.get_by_role("img", name="The video's first frame")
    expect(poster).to_be_visible(timeout=15_000)
    expect(poster).to_have_attribute("src", re.compile(r"^blob:"))
    wait_for(
        lambda: poster.evaluate("img => img.complete && img.naturalWidth > 0"),
        10,
        "the poster drawn",
    )
