"""Menus in the console: the admin edits an account's custom menu (a name over WeChat's limit
refused in place), saves and publishes it to WeChat (the API simulator); an agent sends a
tap-to-reply menu from the reply box and the transcript shows the customer's answer."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_workspace import line, open_conversation
from tools.desk import Desk, sign_in

pytestmark = pytest.mark.timeout(90)


def test_the_admin_edits_saves_and_publishes_the_menu(page: Page, app, admin, wechat_api):
    desk = Desk.open(app, wechat_api, admin)
    sign_in(page, app.admin_token)
    page.goto(f"/console/accounts/{desk.account_id}")
    page.get_by_role("link", name="Menu", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Custom menu")
    expect(page.get_by_text("Not published", exact=True)).to_be_visible()

    page.get_by_role("button", name="Add a button").click()
    name = page.get_by_label("Name", exact=True)
    name.fill("退款退款退款")
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("18 bytes: WeChat takes at most 16.")).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_be_disabled()
    name.fill("退款")
    page.get_by_label("Key", exact=True).fill("REFUND")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Draft saved.")).to_be_visible()

    page.get_by_role("button", name="Publish to WeChat").click()
    expect(page.get_by_text("Published: WeChat accepted the menu.")).to_be_visible()
    expect(page.get_by_text("Published", exact=True)).to_be_visible()
    assert wechat_api.menu_keys(desk.account.app_id) == ["REFUND"]

    page.goto(f"/console/workstreams/{desk.workstream_id}/rules")  # keys offered for event.key
    expect(page.locator("datalist#menu-keys option[value='REFUND']")).to_have_count(1)


def test_an_agent_sends_a_tap_menu_and_sees_the_answer(page: Page, app, admin, wechat_api):
    desk = Desk.open(app, wechat_api, admin)
    agent = desk.agent("Lin")
    sign_in(page, agent.token)
    customer = desk.customer()
    desk.write(customer, "退款到哪里？")
    open_conversation(page, customer.open_id)

    page.get_by_role("button", name="Menu…").click()
    dialog = page.get_by_role("dialog", name="Send a tap-to-reply menu")
    dialog.get_by_label("Question (optional)").fill("Refund to your card?")
    dialog.get_by_label("Option 1", exact=True).fill("Yes")
    dialog.get_by_label("Option 2", exact=True).fill("No")
    dialog.get_by_role("button", name="Send menu").click()
    menu = line(page, "Refund to your card?")
    expect(menu).to_contain_text("No answer yet")
    expect(menu).to_contain_text("Sent", timeout=10_000)
    sent = desk.sent_to(customer)[-1]
    assert sent["msgmenu"]["list"] == [{"id": "1", "content": "Yes"}, {"id": "2", "content": "No"}]

    desk.push(customer, customer.tap("1", "Yes"))
    expect(menu).to_contain_text("Answered: Yes", timeout=10_000)
