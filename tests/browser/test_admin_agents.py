"""The admin's Agents pages: an agent created in the browser, its token read from the page
(and from the clipboard, as the Copy button leaves it) signing in to the workspace; the token
never shown again; rotating and disabling as the page says; a delete refused while the agent
holds a conversation, with the API's reason."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import LANGUAGES, WIDE
from tools.desk import Desk, sign_in

pytestmark = pytest.mark.timeout(90)


def open_agents(page: Page, admin_token: str) -> None:
    sign_in(page, admin_token)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Agents").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Agents")


def shown_token(page: Page) -> str:
    token = page.get_by_role("textbox", name="Access token").input_value()
    assert token.startswith("agt_"), token
    return token


def test_an_agent_created_in_the_browser_signs_in_with_the_token_shown_once(open_page, app, admin):
    suffix = secrets.token_hex(3)
    queue = admin.post("/api/admin/queues", json={"name": f"Refunds {suffix}"}).json()
    page = open_page(permissions=["clipboard-read", "clipboard-write"])
    open_agents(page, app.admin_token)

    page.get_by_role("link", name="New agent").first.click()
    page.get_by_label("Name", exact=True).fill(f"Zhang {suffix}")
    page.get_by_label("Role").select_option(label="Supervisor")
    page.get_by_label("Capacity").fill("5")
    page.get_by_role("checkbox", name=queue["name"]).check()
    page.get_by_role("button", name="Add skill").click()
    page.get_by_role("textbox", name="Skill 1").fill("退款")
    page.get_by_role("spinbutton", name="Rating of skill 1 (1–10)").fill("7")
    page.get_by_role("button", name="Create agent").click()

    panel = page.get_by_role("region", name=f"Access token for Zhang {suffix}")
    expect(panel).to_contain_text("you will not see it again")
    token = shown_token(page)
    panel.get_by_role("button", name="Copy").click()
    expect(panel.get_by_role("status")).to_have_text("Copied")
    assert page.evaluate("() => navigator.clipboard.readText()") == token

    agent_id = page.url.rsplit("/", 1)[1]
    stored = admin.get(f"/api/admin/agents/{agent_id}").json()
    assert stored["name"] == f"Zhang {suffix}"
    assert (stored["role"], stored["capacity"]) == ("supervisor", 5)
    assert stored["queueIds"] == [queue["id"]]
    assert stored["skills"] == [{"name": "退款", "rating": 7}]

    workspace = open_page()  # the agent, on their own browser
    sign_in(workspace, token)
    expect(workspace.get_by_text(f"Signed in as Zhang {suffix}")).to_be_visible()
    expect(workspace.get_by_label("Presence")).to_be_visible()

    page.reload()  # shown once: the page no longer has it
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Zhang {suffix}")
    expect(page.get_by_role("textbox", name="Access token")).to_have_count(0)


def test_rotating_shows_a_new_token_once_and_the_old_one_stops(page, app, admin):
    created = admin.post("/api/admin/agents", json={"name": f"Chen {secrets.token_hex(3)}"})
    old = created.json()["token"]
    open_agents(page, app.admin_token)
    page.get_by_role("link", name=created.json()["name"]).click()

    page.get_by_role("button", name="Rotate token").click()
    dialog = page.get_by_role("dialog", name=re.compile("Rotate .* token"))
    expect(dialog).to_contain_text("stops working at once")
    dialog.get_by_role("button", name="Rotate token").click()
    new = shown_token(page)
    assert new != old
    with app.client(old) as client:
        assert client.get("/api/agent/me").status_code == 401
    with app.client(new) as client:
        assert client.get("/api/agent/me").status_code == 200


def test_disabling_says_what_it_does_and_the_token_is_refused(page, app, admin):
    created = admin.post("/api/admin/agents", json={"name": f"Wang {secrets.token_hex(3)}"})
    agent = created.json()
    open_agents(page, app.admin_token)
    page.get_by_role("link", name=agent["name"]).click()

    page.get_by_role("button", name="Disable", exact=True).click()
    dialog = page.get_by_role("dialog", name=f"Disable {agent['name']}?")
    expect(dialog).to_contain_text("no new conversations")
    expect(dialog).to_contain_text("stay with them until you close or transfer them")
    dialog.get_by_role("button", name="Disable agent").click()
    expect(page.get_by_role("status").filter(has_text="is disabled")).to_be_visible()
    assert admin.get(f"/api/admin/agents/{agent['id']}").json()["disabled"] is True
    with app.client(agent["token"]) as client:
        assert client.get("/api/agent/me").status_code == 403

    page.get_by_role("button", name="Enable", exact=True).click()
    expect(page.get_by_role("button", name="Disable", exact=True)).to_be_visible()
    assert admin.get(f"/api/admin/agents/{agent['id']}").json()["disabled"] is False


def test_an_agent_holding_a_conversation_is_not_deleted_and_the_page_says_why(
    page, app, wechat_api, admin
):
    desk = Desk.open(app, wechat_api, admin)
    agent = desk.agent(f"Lin {secrets.token_hex(3)}")
    customer = desk.customer()
    desk.write(customer, "你好")
    desk.conversation_of(agent, customer)
    open_agents(page, app.admin_token)
    row = page.get_by_role("row").filter(has_text=agent.name)
    expect(row).to_contain_text("1 of 3 used · 2 free", timeout=10_000)
    expect(row).to_contain_text("Available")
    row.get_by_role("link", name=agent.name).click()

    page.get_by_role("button", name="Delete", exact=True).click()
    page.get_by_role("dialog").get_by_role("button", name="Delete agent").click()
    expect(page.get_by_role("alert")).to_contain_text("This agent cannot be deleted yet: agent")
    expect(page.get_by_role("alert")).to_contain_text("close or transfer them first")
    assert admin.get(f"/api/admin/agents/{agent.id}").status_code == 200


@pytest.fixture(scope="module")
def team(app, wechat_api) -> None:
    """Agents in each presence, one busy with conversations and one disabled: made once, so
    that both languages' screenshots show the same list."""
    with app.admin() as admin:
        desk = Desk.open(app, wechat_api, admin)
        lin = desk.agent("Lin Xiaomei", capacity=4)
        desk.agent("Wu Hao", presence="busy", capacity=2, queue=desk.other_queue_id)
        desk.agent("Zhou Min", presence="offline")
        for _ in range(2):
            customer = desk.customer()
            desk.write(customer, "你好，我想退货")
            desk.conversation_of(lin, customer)
        off = admin.post("/api/admin/agents", json={"name": "Sun Li", "skills": ["发票"]}).json()
        admin.patch(f"/api/admin/agents/{off['id']}", json={"disabled": True}).raise_for_status()


@pytest.mark.screenshots
@pytest.mark.parametrize("language", LANGUAGES)
def test_agents_list(open_page, shoot, language, app, team):
    page = open_page(locale=language, viewport=WIDE)
    sign_in(page, app.admin_token, language)
    page.goto("/console/agents")
    used = {"en": "2 of 4 used", "zh-CN": "已接待 2/4"}[language]
    expect(page.get_by_text(used).first).to_be_visible()
    shoot(page, "agents", language)


def test_a_queue_deleted_since_can_be_unticked_and_the_agent_saved(page, app, admin):
    suffix = secrets.token_hex(3)
    gone = admin.post("/api/admin/queues", json={"name": f"Old {suffix}"}).json()
    agent = admin.post(
        "/api/admin/agents", json={"name": f"Gao {suffix}", "queueIds": [gone["id"]]}
    ).json()
    assert admin.delete(f"/api/admin/queues/{gone['id']}").status_code == 204
    open_agents(page, app.admin_token)
    page.get_by_role("link", name=agent["name"]).click()

    stale = page.get_by_role("checkbox", name=f"Unknown queue {gone['id']}")
    expect(stale).to_be_checked()
    stale.uncheck()
    page.get_by_label("Capacity").fill("4")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    stored = admin.get(f"/api/admin/agents/{agent['id']}").json()
    assert (stored["queueIds"], stored["capacity"]) == ([], 4)
