"""The customer panel in a browser: WeChat's profile as the app read it, and the agent editing
the remark and the tags, which reach WeChat (the simulator) and rename the customer."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tools.desk import Desk, sign_in

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def desk(app, wechat_api, admin) -> Desk:
    return Desk.open(app, wechat_api, admin)


def test_the_agent_sees_and_edits_the_profile(page, desk, wechat_api):
    app_id = desk.account.app_id
    vip, regular = wechat_api.add_tag(app_id, "VIP"), wechat_api.add_tag(app_id, "Regular")
    agent = desk.agent("Lin")
    customer = desk.customer()
    wechat_api.set_user(app_id, customer.open_id, tags=[regular], unionid="oUnionBrowser")
    sign_in(page, agent.token)
    desk.write(customer, "你好")
    desk.conversation_of(agent, customer)

    listed = page.get_by_role("navigation", name="My conversations").get_by_role("button")
    item = listed.filter(has_text=customer.open_id)
    expect(item).to_contain_text("WeChat user", timeout=10_000)
    item.click()
    panel = page.get_by_role("complementary", name="Customer")
    expect(panel.get_by_role("heading", name="WeChat user")).to_be_visible()
    expect(panel).to_contain_text("oUnionBrowser")
    expect(panel.get_by_role("listitem").filter(has_text="Regular")).to_be_visible()

    panel.get_by_role("button", name="Edit remark and tags").click()
    panel.get_by_label("Remark").fill("王女士 VIP")
    panel.get_by_label("VIP").check()
    panel.get_by_label("Regular").uncheck()
    panel.get_by_role("button", name="Save").click()

    expect(panel.get_by_role("heading", name="王女士 VIP")).to_be_visible(timeout=10_000)
    expect(panel.get_by_role("listitem").filter(has_text="VIP")).to_be_visible()
    held = wechat_api.user(app_id, customer.open_id)
    assert held is not None
    assert (held["remark"], held["tagid_list"]) == ("王女士 VIP", [vip])
    expect(listed.filter(has_text="王女士 VIP")).to_be_visible(timeout=10_000)


def test_a_refusal_shows_why(page, desk, wechat_api):
    agent = desk.agent("Lin")
    customer = desk.customer()
    sign_in(page, agent.token)
    desk.write(customer, "hello")
    desk.conversation_of(agent, customer)
    page.get_by_role("navigation", name="My conversations").get_by_role("button").filter(
        has_text=customer.open_id
    ).click()
    panel = page.get_by_role("complementary", name="Customer")
    panel.get_by_role("button", name="Edit remark and tags").click()
    wechat_api.inject("/cgi-bin/user/info/updateremark", errcode=48001)
    panel.get_by_label("Remark").fill("x")
    panel.get_by_role("button", name="Save").click()
    expect(panel.get_by_role("alert")).to_contain_text("48001")
