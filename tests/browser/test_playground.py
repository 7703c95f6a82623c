"""The WeChat customer playground in the browser, beside the console: what a customer types
on the simulator's page reaches the agent's workspace, the agent's reply reaches the phone,
and a reply WeChat refuses shows on the phone as not delivered."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tools.desk import Desk, sign_in

pytestmark = pytest.mark.timeout(90)


def test_a_customer_on_the_playground_chats_with_an_agent_in_the_console(
    page, phone, app, wechat_api, admin
):
    desk = Desk.open(app, wechat_api, admin)
    wechat_api.register_account(desk.account, server_url=desk.server_url, name="Playground shop")
    agent = desk.agent("Lin")
    sign_in(page, agent.token)

    phone.reload()  # the account list as it is now
    phone.get_by_label("Account", exact=True).select_option(value=desk.account.app_id)
    phone.get_by_role("button", name="New customer").click()
    open_id = phone.get_by_label("Customer OpenID").input_value()
    phone.get_by_label("Message").fill("你好，我想查询订单 📦")
    phone.get_by_role("button", name="Send", exact=True).click()

    listed = page.get_by_role("navigation", name="My conversations").get_by_role("button")
    listed.filter(has_text=open_id).click(timeout=10_000)
    expect(page.get_by_role("log", name="Transcript")).to_contain_text("你好，我想查询订单 📦")
    page.get_by_label("Reply").fill("您好，请提供订单号")
    page.get_by_label("Reply").press("Enter")
    thread = phone.get_by_role("log", name="Conversation")
    expect(thread).to_contain_text("您好，请提供订单号", timeout=10_000)

    phone.get_by_role("button", name="Let the window lapse").click()
    expect(phone.get_by_role("status")).to_contain_text("45015")
    page.get_by_label("Reply").fill("还在吗？")
    page.get_by_label("Reply").press("Enter")
    refused = thread.get_by_role("listitem").filter(has_text="还在吗？")
    expect(refused).to_contain_text(re.compile(r"not delivered: 45015"), timeout=15_000)


def test_the_playground_sends_voice_location_link_and_mini_program_and_shows_typing(
    page, phone, app, wechat_api, admin
):
    """The phone's buttons for the other message types reach the console as cards, and the
    agent typing shows on the phone."""
    desk = Desk.open(app, wechat_api, admin)
    wechat_api.register_account(desk.account, server_url=desk.server_url, name="Playground shop")
    agent = desk.agent("Lin")
    sign_in(page, agent.token)

    phone.reload()
    phone.get_by_label("Account", exact=True).select_option(value=desk.account.app_id)
    phone.get_by_role("button", name="New customer").click()
    open_id = phone.get_by_label("Customer OpenID").input_value()
    phone.get_by_label("Message").fill("我想退货")
    phone.get_by_role("button", name="Send voice").click()
    for name in ("Share location", "Share link", "Share Mini Program page"):
        phone.get_by_role("button", name=name).click()
        expect(phone.get_by_role("status")).to_contain_text("the app answered success")

    listed = page.get_by_role("navigation", name="My conversations").get_by_role("button")
    listed.filter(has_text=open_id).click(timeout=10_000)
    log = page.get_by_role("log", name="Transcript")
    expect(log).to_contain_text("Transcription: 我想退货")
    expect(log).to_contain_text("上海市黄浦区中山东一路")
    expect(log.get_by_role("link", name="https://example.com/product/42")).to_be_visible()
    expect(log).to_contain_text("pages/order/detail?id=42")

    page.get_by_label("Reply").press_sequentially("您好")
    expect(phone.get_by_text("the account is typing…")).to_be_visible(timeout=10_000)
