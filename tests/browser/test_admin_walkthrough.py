"""The whole set-up as an admin does it who has never read the API, in the browser only: two
queues, a WeChat account and its callback information (pasted into WeChat, here the
simulator's playground), a workstream set up for WeChat with a routing rule, an agent; then a
customer writes in the playground and the conversation arrives in the supervisor's view and
in the agent's workspace. The admin API is used only to look, never to set anything up."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import WIDE
from tools.desk import sign_in
from tools.wechat_simulator import SimulatedAccount

pytestmark = pytest.mark.timeout(180)


def section(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Sections").get_by_role("link", name=name).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name)


def create_queue(page: Page, name: str) -> None:
    section(page, "Queues")
    page.get_by_role("link", name="New queue").first.click()
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Create queue").click()
    expect(page.get_by_role("status")).to_have_text(f"Queue {name} created.")


def test_an_admin_sets_up_a_channel_in_the_browser_and_watches_a_conversation_arrive(
    open_page, phone, app, admin
):
    page = open_page(viewport=WIDE, permissions=["clipboard-read", "clipboard-write"])
    sign_in(page, app.admin_token)
    general, refunds = (f"{name} {secrets.token_hex(3)}" for name in ("General", "Refunds"))
    create_queue(page, general)
    create_queue(page, refunds)

    # The account, as WeChat's console shows its values; then the callback information.
    account = SimulatedAccount.random()
    section(page, "WeChat accounts")
    page.get_by_role("link", name="New WeChat account").click()
    page.get_by_label("Name", exact=True).fill("Walkthrough shop")
    page.get_by_label("Original ID", exact=True).fill(account.original_id)
    page.get_by_label("Developer ID (AppID)", exact=True).fill(account.app_id)
    page.get_by_label("Developer password (AppSecret)", exact=True).fill(account.app_secret)
    page.get_by_label("Token", exact=True).fill(account.token)
    page.get_by_label("Message encryption key (EncodingAESKey)", exact=True).fill(
        account.encoding_aes_key
    )
    page.get_by_role("button", name="Next").click()
    callback = page.get_by_role("region", name="Callback information")
    callback.get_by_role("button", name="Copy Server address (URL)").click()
    server_url = page.evaluate("navigator.clipboard.readText()")
    assert re.fullmatch(rf"{re.escape(app.url)}/api/wechat/[0-9a-z]+", server_url), server_url
    page.get_by_role("link", name="Finish").click()

    # "WeChat's console": the playground registers the account with the pasted URL.
    phone.get_by_text("Register an account").click()
    phone.get_by_label("Name", exact=True).fill("Walkthrough shop")
    phone.get_by_label("AppID").fill(account.app_id)
    phone.get_by_label("AppSecret").fill(account.app_secret)
    phone.get_by_label("Token").fill(account.token)
    phone.get_by_label("EncodingAESKey").fill(account.encoding_aes_key)
    phone.get_by_label("Original ID").fill(account.original_id)
    phone.get_by_label("Server URL").fill(server_url)
    phone.get_by_role("button", name="Register account").click()
    expect(phone.get_by_role("status")).to_contain_text("Walkthrough shop")

    # The workstream: Set up WeChat, then a rule sending refunds to Refunds.
    page.bring_to_front()
    section(page, "Workstreams")
    page.get_by_role("link", name="New workstream").click()
    page.get_by_label("Name").fill("Walkthrough shop on WeChat")
    page.get_by_label("Fallback queue").select_option(label=general)
    page.get_by_role("button", name="Set up WeChat").click()
    page.get_by_label("WeChat account").select_option(label=f"Walkthrough shop ({account.app_id})")
    for _ in ("WeChat", "Language", "Behaviors", "User features"):
        page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("button", name="Save settings")).to_be_visible()
    page.get_by_role("link", name="Routing rules").click()
    page.get_by_role("button", name="Add rule").click()
    rule = page.get_by_role("listitem", name="Rule 1: Rule 1")
    rule.get_by_label("Rule name").fill("refunds")
    rule = page.get_by_role("listitem", name="Rule 1: refunds")
    rule.get_by_label("Queue").select_option(label=refunds)
    rule.get_by_label("Operator").select_option(label="contains")
    rule.get_by_label("Value", exact=True).fill("退款")
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_text("Rules saved.")).to_be_visible()

    # An agent for Refunds, and the token the admin hands over.
    section(page, "Agents")
    page.get_by_role("link", name="New agent").first.click()
    page.get_by_label("Name", exact=True).fill("Lin")
    page.get_by_role("checkbox", name=refunds).check()
    page.get_by_role("button", name="Create agent").click()
    token = page.get_by_role("textbox", name="Access token").input_value()

    workspace = page.context.browser.new_context(base_url=app.url).new_page()
    workspace.goto("/console/")
    sign_in(workspace, token)
    workspace.get_by_label("Presence").select_option(label="Available")
    expect(workspace.get_by_text("0 of", exact=False)).to_be_visible()

    # A customer writes in the playground; the admin watches it arrive.
    section(page, "Supervisor")
    phone.bring_to_front()
    phone.reload()
    phone.get_by_label("Account", exact=True).select_option(value=account.app_id)
    phone.get_by_role("button", name="New customer").click()
    open_id = phone.get_by_label("Customer OpenID").input_value()
    phone.get_by_label("Message").fill("我要退款，订单 4711")
    phone.get_by_role("button", name="Send", exact=True).click()

    page.bring_to_front()
    row = (
        page.get_by_role("region", name="Conversations").get_by_role("row").filter(has_text=open_id)
    )
    expect(row).to_contain_text(refunds, timeout=15_000)
    expect(row).to_contain_text("Lin", timeout=15_000)
    mine = workspace.get_by_role("navigation", name="My conversations")
    expect(mine.get_by_role("button").filter(has_text=open_id)).to_contain_text("我要退款")
    workspace.context.close()

    stored = admin.get("/api/admin/workstreams").json()["workstreams"]
    assert [w["routingRules"][0]["name"] for w in stored if w["name"].startswith("Walk")] == [
        "refunds"
    ]
