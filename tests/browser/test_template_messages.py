"""Template messages in the console: an agent whose customer's reply window is used up sends
an approved template, filled and previewed, and sees it sent in the transcript; the admin
sees the account's templates and withdraws one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tools.desk import Desk, sign_in
from tools.local_app import wait_for

pytestmark = pytest.mark.timeout(90)

TEMPLATE_ID = "BrowserOrderUpdate_000000000000000000000001"
CONTENT = "订单号：{{keyword1.DATA}}\n状态：{{thing2.DATA}}"


@pytest.fixture
def desk(app, wechat_api, admin) -> Desk:
    desk = Desk.open(app, wechat_api, admin)
    wechat_api.add_template(desk.account.app_id, TEMPLATE_ID, "订单状态", CONTENT)
    admin.put(
        f"/api/admin/accounts/{desk.account_id}/templates/{TEMPLATE_ID}",
        json={
            "title": "订单状态",
            "fields": [
                {"key": "keyword1", "label": "订单号", "maxLength": 32},
                {"key": "thing2", "label": "状态", "maxLength": 5},
            ],
        },
    ).raise_for_status()
    return desk


def test_a_used_up_window_offers_a_template_that_is_sent(page: Page, desk, wechat_api):
    agent = desk.agent("Lin")
    customer = desk.customer()
    desk.write(customer, "我的退款呢？")
    conversation = desk.conversation_of(agent, customer)["id"]
    with desk.app.client(agent.token) as client:
        for i in range(5):
            path = f"/api/agent/conversations/{conversation}/messages"
            client.post(path, json={"text": f"r{i}"}).raise_for_status()
    sign_in(page, agent.token)
    page.get_by_role("navigation", name="My conversations").get_by_role("button").filter(
        has_text=customer.open_id
    ).click()
    expect(page.get_by_text("No messages left in this reply window").first).to_be_visible()

    page.get_by_role("button", name="Send a template message").click()
    expect(page.get_by_label("Template", exact=True)).to_have_value(TEMPLATE_ID)
    page.get_by_label("订单号").fill("A1024")
    status = page.get_by_label("状态")
    status.fill("已经全额退款")
    status.blur()
    expect(page.get_by_text("6 characters: at most 5")).to_be_visible()
    send = page.get_by_role("button", name="Send template")
    expect(send).to_be_disabled()
    status.fill("已退款")
    preview = page.get_by_label("Preview")
    expect(preview).to_contain_text("订单状态")
    expect(preview).to_contain_text("订单号: A1024")
    expect(preview).to_contain_text("状态: 已退款")
    send.click()

    line = (
        page.get_by_role("log", name="Transcript")
        .get_by_role("listitem")
        .filter(has_text="Template message")
    )
    expect(line).to_contain_text("订单号: A1024")
    expect(line).to_contain_text("Sent", timeout=10_000)
    sent = wait_for(lambda: wechat_api.templates_sent, 10, "the template to reach WeChat")
    assert sent[-1].data["thing2"] == {"value": "已退款"}


def test_the_admin_sees_and_withdraws_a_template(page: Page, app, desk):
    sign_in(page, app.admin_token)
    page.goto(f"{app.url}/console/accounts/{desk.account_id}")
    page.get_by_role("link", name="Manage templates").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Template messages")
    row = page.get_by_role("row").filter(has_text="订单状态")
    expect(row).to_contain_text("Approved")
    expect(row).to_contain_text("0 of 100,000")
    row.get_by_role("button", name="Withdraw").click()
    expect(row).to_contain_text("Not approved")
    listed = desk.admin.get(f"/api/admin/accounts/{desk.account_id}/templates").json()
    assert listed["templates"][0]["enabled"] is False


def test_the_admin_registers_a_template_and_a_bad_field_is_named(page: Page, app, desk):
    sign_in(page, app.admin_token)
    page.goto(f"{app.url}/console/accounts/{desk.account_id}/templates")
    page.get_by_role("button", name="New template").click()
    form = page.get_by_role("form", name="New template")
    form.get_by_label("Template ID").fill("ShipNotice_1")
    form.get_by_label("Title").fill("发货通知")
    form.get_by_label("Key of field 1").fill("1bad")
    form.get_by_label("Label of field 1").fill("快递单号")
    form.get_by_role("button", name="Save").click()
    expect(form.get_by_role("alert")).to_contain_text("fields.0.key")
    form.get_by_label("Key of field 1").fill("character_string1")
    form.get_by_label("Most characters of field 1").fill("32")
    form.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("发货通知 saved.")
    expect(page.get_by_role("row").filter(has_text="ShipNotice_1")).to_contain_text("快递单号")
    saved = desk.admin.get(f"/api/admin/accounts/{desk.account_id}/templates/ShipNotice_1")
    assert saved.json()["fields"] == [
        {"key": "character_string1", "label": "快递单号", "maxLength": 32}
    ]
