"""Offer mode in Chromium: the agent's workspace notifies an offered conversation with the
customer's first line, a countdown and Accept / Decline; Decline sends it away, Accept opens it
in My conversations. The workstream's settings page sets the mode, timeout and declines."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tools.desk import Desk, sign_in
from tools.local_app import wait_for

pytestmark = pytest.mark.timeout(90)


def notice(page: Page):
    return page.get_by_role("alertdialog", name="A conversation is offered to you")


def test_an_offer_is_notified_with_a_countdown_and_answered_from_the_workspace(
    page, app, wechat_api, admin
):
    desk = Desk.open(app, wechat_api, admin, assignmentMode="offer", offerTimeout="PT2M")
    agent = desk.agent("Lin", capacity=2)
    sign_in(page, agent.token)

    declined = desk.customer()
    desk.write(declined, "我要退款，订单 #4711")
    offer = notice(page)
    expect(offer).to_be_visible(timeout=10_000)
    expect(offer).to_contain_text("我要退款，订单 #4711")
    expect(offer).to_contain_text(declined.open_id)
    expect(offer.get_by_role("timer")).to_have_text(re.compile(r"^1\d\d s to answer$"))
    first = offer.get_by_role("timer").text_content()
    expect(offer.get_by_role("timer")).not_to_have_text(first or "", timeout=3_000)  # it counts
    offer.get_by_role("button", name="Decline").click()
    expect(notice(page)).to_have_count(0, timeout=5_000)  # maxDeclines 1: not offered again

    accepted = desk.customer()
    desk.write(accepted, "hello")
    expect(notice(page)).to_contain_text("hello", timeout=10_000)
    notice(page).get_by_role("button", name="Accept").click()
    expect(notice(page)).to_have_count(0)
    mine = page.get_by_role("navigation", name="My conversations")
    expect(mine.get_by_role("listitem").filter(has_text=accepted.open_id)).to_be_visible()
    expect(page.get_by_role("heading", level=2).filter(has_text=accepted.open_id)).to_be_visible()
    conversation = desk.conversation_of(agent, accepted)
    assert conversation["state"] == "active"


def test_the_settings_page_sets_offer_mode_and_names_a_timeout_out_of_range(
    open_page, app, wechat_api, admin
):
    desk = Desk.open(app, wechat_api, admin)
    page = open_page()
    sign_in(page, app.admin_token)
    page.goto(f"/console/workstreams/{desk.workstream_id}")
    page.get_by_label("Assignment").select_option(label="Offer: the agent accepts or declines")
    timeout = page.get_by_label("Offer timeout (seconds)")
    timeout.fill("5")
    page.get_by_label("Declines before an agent is skipped").fill("2")
    page.get_by_role("button", name="Save settings").click()
    expect(timeout).to_have_attribute("aria-invalid", "true")

    timeout.fill("45")
    page.get_by_role("button", name="Save settings").click()

    def saved():
        found = admin.get(f"/api/admin/workstreams/{desk.workstream_id}").json()
        return found if found["assignmentMode"] == "offer" else None

    found = wait_for(saved, 10, "the offer settings to be saved")
    assert (found["offerTimeout"], found["maxDeclines"]) == ("PT45S", 2)
