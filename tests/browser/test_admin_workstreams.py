"""The admin's workstream pages in Chromium, as an admin uses them: New workstream and Set up
WeChat saving both attachment boxes (checked through the admin API), a routing rule built in
the editor and the dry run naming its queue, a mistake shown next to the control that made it,
and the rules editor with a dry-run result for the docs."""

from __future__ import annotations

import re
import secrets

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LANGUAGES, WIDE
from tools.desk import sign_in
from tools.wechat_simulator import SimulatedAccount

pytestmark = pytest.mark.timeout(90)


def new_account(admin: httpx.Client, name: str = "Demo shop") -> dict:
    account = SimulatedAccount.random()
    created = admin.post(
        "/api/admin/accounts", json={**account.registration(mode="safe"), "name": name}
    )
    assert created.status_code == 201, created.text
    return created.json()


def new_queue(admin: httpx.Client, name: str) -> dict:
    created = admin.post("/api/admin/queues", json={"name": name})
    assert created.status_code == 201, created.text
    return created.json()


def workstream_of(admin: httpx.Client, account_id: str) -> dict:
    found = [
        ws
        for ws in admin.get("/api/admin/workstreams").json()["workstreams"]
        if ws["accountId"] == account_id
    ]
    assert len(found) == 1, found
    return found[0]


def expect_step(page: Page, n: int, name: str) -> None:
    heading = page.get_by_role("heading", name=f"Step {n} of 5: {name}")
    expect(heading).to_be_focused()  # the current step is announced
    expect(page.locator('[aria-current="step"]')).to_have_text(re.compile(name))


def walk_to_features(page: Page, account_label: str | None) -> None:
    expect(page.get_by_role("heading", name="Step 1 of 5: WeChat")).to_be_visible()
    if account_label:
        page.get_by_role("button", name="Next").click()  # refused: no account yet
        expect(page.get_by_text("Choose the WeChat account.")).to_be_visible()
        page.get_by_label("WeChat account").select_option(label=account_label)
    page.get_by_role("button", name="Next").click()
    expect_step(page, 2, "Language")
    page.get_by_role("button", name="Next").click()
    expect_step(page, 3, "Behaviors")
    page.get_by_role("button", name="Next").click()
    expect_step(page, 4, "User features")


def test_set_up_wechat_saves_both_attachment_boxes(open_page, app, admin):
    suffix = secrets.token_hex(3)
    account = new_account(admin, f"Shop {suffix}")
    new_queue(admin, f"General {suffix}")
    page = open_page()
    sign_in(page, app.admin_token)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Workstreams").click()
    page.get_by_role("link", name="New workstream").click()
    page.get_by_label("Name").fill(f"WeChat {suffix}")
    page.get_by_label("Fallback queue").select_option(label=f"General {suffix}")
    page.get_by_role("button", name="Set up WeChat").click()

    label = f"Shop {suffix} ({account['appId']})"
    expect(page.get_by_role("heading", name="Step 1 of 5: WeChat")).to_be_visible()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Choose the WeChat account.")).to_be_visible()
    page.get_by_label("WeChat account").select_option(label=label)
    page.get_by_role("button", name="Next").click()
    expect_step(page, 2, "Language")
    page.get_by_label("Language", exact=True).select_option("en")
    page.get_by_role("button", name="Next").click()
    expect_step(page, 3, "Behaviors")
    # placeholders shown and explained, beside each message that fills them
    expect(page.get_by_text("{Position}")).to_have_count(2)  # queued, positionInQueue
    expect(page.get_by_text("{QueueName}").first).to_be_visible()
    expect(page.get_by_text("is replaced by the customer's place in the queue")).to_have_count(2)
    page.get_by_label("Greeting").fill("Hello! An agent will be with you shortly.")
    page.get_by_label("Agent assigned").fill("{AgentName} is here to help.")
    page.get_by_label("Survey", exact=True).select_option("rating")
    page.get_by_label("Question (en)").fill("How did we do, from 1 to 5?")
    page.get_by_role("button", name="Next").click()
    expect_step(page, 4, "User features")
    customers = page.get_by_label("Customers can send file attachments")
    agents = page.get_by_label("Agents can send file attachments")
    expect(customers).to_be_checked()
    expect(agents).to_be_checked()
    customers.uncheck()
    page.get_by_role("button", name="Back").click()
    expect_step(page, 3, "Behaviors")
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_label("Customers can send file attachments")).not_to_be_checked()
    page.get_by_role("button", name="Next").click()
    expect_step(page, 5, "Summary")
    expect(page.locator(".ws-summary")).to_contain_text(label)
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("button", name="Save settings")).to_be_visible()

    saved = workstream_of(admin, account["id"])
    assert saved["fileAttachments"] == {"customersCanSend": False, "agentsCanSend": True}
    assert saved["language"] == "en"
    assert saved["automatedMessages"] == {
        "en": {
            "greeting": "Hello! An agent will be with you shortly.",
            "agentAssigned": "{AgentName} is here to help.",
        }
    }
    assert saved["survey"] == {
        "type": "rating",
        "questions": {"en": "How did we do, from 1 to 5?"},
        "thanks": {},
    }
    assert re.search(f"/console/workstreams/{saved['id']}$", page.url)

    # Set up WeChat again on the saved workstream: the other way round for both boxes.
    page.get_by_role("navigation", name="Workstream").get_by_role(
        "link", name="Set up WeChat"
    ).click()
    walk_to_features(page, None)
    page.get_by_label("Customers can send file attachments").check()
    page.get_by_label("Agents can send file attachments").uncheck()
    page.get_by_role("button", name="Next").click()
    page.get_by_role("button", name="Finish").click()
    expect(page.get_by_role("button", name="Save settings")).to_be_visible()
    again = workstream_of(admin, account["id"])
    assert again["fileAttachments"] == {"customersCanSend": True, "agentsCanSend": False}
    assert again["automatedMessages"] == saved["automatedMessages"]


def open_rules(open_page, app, workstream_id: str) -> Page:
    """The rules editor of the workstream, signed in as the admin (the token is kept for the
    tab, so the page can be opened by its address)."""
    page = open_page()
    sign_in(page, app.admin_token)
    page.goto(f"/console/workstreams/{workstream_id}/rules")
    return page


def test_a_rule_built_in_the_editor_and_the_dry_run_name_the_queue(open_page, app, admin):
    suffix = secrets.token_hex(3)
    account = new_account(admin)
    general = new_queue(admin, f"General {suffix}")
    refunds = new_queue(admin, f"Refunds {suffix}")
    created = admin.post(
        "/api/admin/workstreams",
        json={"name": "Rules", "accountId": account["id"], "fallbackQueueId": general["id"]},
    )
    assert created.status_code == 201, created.text
    ws = created.json()
    page = open_rules(open_page, app, ws["id"])
    expect(
        page.get_by_text("No rules: every conversation goes to the fallback queue.")
    ).to_be_visible()

    page.get_by_role("button", name="Add rule").click()
    rule = page.get_by_role("listitem", name="Rule 1: Rule 1")
    rule.get_by_label("Rule name").fill("refunds")
    rule = page.get_by_role("listitem", name="Rule 1: refunds")
    rule.get_by_label("Queue").select_option(label=f"Refunds {suffix}")
    expect(rule.get_by_label("Field")).to_have_value("message.text")
    rule.get_by_label("Operator").select_option(label="contains")
    rule.get_by_label("Value", exact=True).fill("退款")

    test = page.get_by_role("region", name="Test a message")
    test.get_by_label("Customer message").fill("我要退款，谢谢")
    test.get_by_role("button", name="Test").click()
    status = test.get_by_role("status")
    expect(status).to_contain_text(
        f"Rule 1 “refunds” matches: the conversation goes to the queue Refunds {suffix}."
    )
    expect(status).to_contain_text("not saved yet")
    expect(rule.get_by_text("The tested message matches this rule.")).to_be_visible()
    test.get_by_label("Customer message").fill("你好")
    test.get_by_role("button", name="Test").click()
    expect(status).to_contain_text(
        f"No rule matches: the conversation goes to the fallback queue General {suffix}."
    )
    # The dry run stored nothing: no conversation, and the rules are not saved until Save.
    assert admin.get(f"/api/admin/workstreams/{ws['id']}").json()["routingRules"] == []
    listing = admin.get("/api/admin/conversations", params={"accountId": account["id"]})
    assert listing.json()["conversations"] == []

    # A mistake the API finds is shown next to the control that made it.
    rule.get_by_label("Operator").select_option(label="matches regex")
    rule.get_by_label("Value", exact=True).fill("(退款")
    test.get_by_role("button", name="Test").click()
    expect(rule.get_by_role("alert")).to_contain_text("is not a valid regular expression")
    expect(rule.get_by_label("Value", exact=True)).to_have_attribute("aria-invalid", "true")
    rule.get_by_label("Value", exact=True).fill("退(款|货)")
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_text("Rules saved.")).to_be_visible()
    saved = admin.get(f"/api/admin/workstreams/{ws['id']}").json()["routingRules"]
    assert saved == [
        {
            "name": "refunds",
            "condition": {
                "all": [{"field": "message.text", "op": "matches", "value": "退(款|货)"}]
            },
            "queueId": refunds["id"],
            "skills": [],
        }
    ]
    page.get_by_text("JSON", exact=True).click()
    expect(page.get_by_label("JSON")).to_contain_text('"value": "退(款|货)"')


def test_a_rule_split_by_percent_is_refused_until_its_shares_make_100(open_page, app, admin):
    suffix = secrets.token_hex(3)
    account = new_account(admin)
    general = new_queue(admin, f"General {suffix}")
    vip = new_queue(admin, f"VIP {suffix}")
    created = admin.post(
        "/api/admin/workstreams",
        json={"name": "Split", "accountId": account["id"], "fallbackQueueId": general["id"]},
    )
    assert created.status_code == 201, created.text
    ws = created.json()
    page = open_rules(open_page, app, ws["id"])
    page.get_by_role("button", name="Add rule").click()
    rule = page.get_by_role("listitem", name="Rule 1: Rule 1")
    rule.get_by_label("Rule name").fill("split")
    rule = page.get_by_role("listitem", name="Rule 1: split")
    rule.get_by_label("Value", exact=True).fill("hello")
    rule.get_by_label("Split by percent").check()
    shares = rule.get_by_role("group", name="Percent split of split")
    shares.get_by_label("Queue 1").select_option(label=f"General {suffix}")
    shares.get_by_label("Queue 2").select_option(label=f"VIP {suffix}")
    shares.get_by_label("Percent 1").fill("70")
    shares.get_by_label("Percent 2").fill("20")
    expect(shares).to_contain_text("Total 90%")

    page.get_by_role("button", name="Save rules").click()
    expect(rule.get_by_role("alert")).to_contain_text("100")
    assert admin.get(f"/api/admin/workstreams/{ws['id']}").json()["routingRules"] == []

    shares.get_by_label("Percent 2").fill("30")
    expect(shares).to_contain_text("Total 100%")
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_text("Rules saved.")).to_be_visible()
    [saved] = admin.get(f"/api/admin/workstreams/{ws['id']}").json()["routingRules"]
    assert saved["allocation"] == [
        {"queueId": general["id"], "percent": 70},
        {"queueId": vip["id"], "percent": 30},
    ]
    assert saved.get("queueId") is None


def test_a_ruleset_built_in_the_editor_classifies_before_the_rules_route(open_page, app, admin):
    """A classification ruleset made with the same condition controls as the rules: its
    output is what a routing rule reads, in the dry run and once saved."""
    suffix = secrets.token_hex(3)
    account = new_account(admin)
    general = new_queue(admin, f"General {suffix}")
    new_queue(admin, f"VIP {suffix}")
    created = admin.post(
        "/api/admin/workstreams",
        json={"name": "Tiers", "accountId": account["id"], "fallbackQueueId": general["id"]},
    )
    assert created.status_code == 201, created.text
    ws = created.json()
    page = open_rules(open_page, app, ws["id"])
    page.get_by_text("Classification rulesets", exact=True).click()
    expect(page.get_by_text("No rulesets")).to_be_visible()

    page.get_by_role("button", name="Add ruleset").click()
    ruleset = page.get_by_role("listitem", name="Ruleset 1: Ruleset 1")
    ruleset.get_by_label("Ruleset name").fill("tiers")
    ruleset = page.get_by_role("listitem", name="Ruleset 1: tiers")
    rule = ruleset.get_by_role("listitem", name="Ruleset tiers, rule 1: Rule 1")
    rule.get_by_label("Rule name").fill("vips")
    rule = ruleset.get_by_role("listitem", name="Ruleset tiers, rule 1: vips")
    condition = rule.get_by_role("group", name="All of these")
    condition.get_by_label("Field").select_option(label="Customer tags")
    condition.get_by_label("Operator").select_option(label="contains")
    condition.get_by_label("Value", exact=True).fill("vip")
    outputs = rule.get_by_role("group", name="Outputs of vips")
    outputs.get_by_label("Variable").fill("tier")
    outputs.get_by_label("Value", exact=True).fill("gold")

    page.get_by_role("button", name="Add rule", exact=True).click()
    routing = page.get_by_role("listitem", name="Rule 1: Rule 1")
    routing.get_by_label("Rule name").fill("gold")
    routing = page.get_by_role("listitem", name="Rule 1: gold")
    routing.get_by_label("Queue").select_option(label=f"VIP {suffix}")
    routing.get_by_label("Field").select_option(label="Classification variable")
    routing.get_by_label("Classification variable name").fill("tier")
    routing.get_by_label("Operator").select_option(label="equals")
    routing.get_by_label("Value", exact=True).fill("gold")

    test = page.get_by_role("region", name="Test a message")
    test.get_by_label("Customer message").fill("hello")
    test.get_by_text("Customer tags and scene", exact=True).click()
    test.get_by_label("Tags").fill("vip")
    test.get_by_role("button", name="Test").click()
    status = test.get_by_role("status")
    expect(status).to_contain_text(f"the conversation goes to the queue VIP {suffix}")
    expect(status).to_contain_text("Ruleset tiers: rule vips matched")
    expect(status).to_contain_text('classification.tier = "gold"')

    # A routing rule reading a variable no ruleset outputs is refused next to its field.
    routing.get_by_label("Classification variable name").fill("level")
    page.get_by_role("button", name="Save rules").click()
    expect(routing.get_by_role("alert")).to_contain_text("classification.level")
    routing.get_by_label("Classification variable name").fill("tier")
    page.get_by_role("button", name="Save rules").click()
    expect(page.get_by_text("Rules saved.")).to_be_visible()
    saved = admin.get(f"/api/admin/workstreams/{ws['id']}").json()
    assert saved["classificationRulesets"] == [
        {
            "name": "tiers",
            "rules": [
                {
                    "name": "vips",
                    "condition": {
                        "all": [{"field": "customer.tags", "op": "contains", "value": "vip"}]
                    },
                    "outputs": {"tier": "gold"},
                }
            ],
        }
    ]
    assert saved["routingRules"][0]["condition"] == {
        "all": [{"field": "classification.tier", "op": "equals", "value": "gold"}]
    }


@pytest.mark.screenshots
@pytest.mark.parametrize("language", LANGUAGES)
def test_screenshot_rules_editor_with_a_dry_run(open_page, app, admin, shoot, language):
    account = new_account(admin, "Demo shop")
    general = new_queue(admin, "General")
    refunds = new_queue(admin, "Refunds")
    vip = new_queue(admin, "VIP")
    rules = [
        {
            "name": "refunds",
            "condition": {
                "any": [
                    {"field": "message.text", "op": "contains", "value": "退款"},
                    {
                        "field": "message.text",
                        "op": "contains",
                        "value": "refund",
                        "ignoreCase": True,
                    },
                ]
            },
            "queueId": refunds["id"],
            "priority": 5,
        },
        {
            "name": "vip evenings",
            "condition": {
                "all": [
                    {"field": "context.vip", "op": "equals", "value": True},
                    {"field": "time.hour", "op": "gte", "value": 18},
                ]
            },
            "queueId": vip["id"],
        },
        {
            "name": "menu: orders",
            "condition": {"all": [{"field": "event.key", "op": "equals", "value": "MENU_ORDERS"}]},
            "queueId": general["id"],
        },
    ]
    created = admin.post(
        "/api/admin/workstreams",
        json={
            "name": "Demo shop on WeChat",
            "accountId": account["id"],
            "fallbackQueueId": general["id"],
            "routingRules": rules,
        },
    )
    assert created.status_code == 201, created.text
    page = open_page(locale=language, viewport=WIDE)
    sign_in(page, app.admin_token, language)
    page.goto(f"/console/workstreams/{created.json()['id']}/rules")
    test = page.locator(".ws-test")
    test.locator("#test-text").fill("我要退款")
    test.locator("#test-at").fill("2026-12-02T10:30")  # the same picture on every run
    test.locator("button[type=submit]").click()
    expect(test.locator(".ws-result")).to_be_visible()
    expect(page.locator(".ws-matched")).to_have_count(1)
    page.evaluate("window.scrollTo(0, 200)")  # the matched rule and the result, both in view
    shoot(page, "workstream-rules", language)
