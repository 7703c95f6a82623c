"""The console's sections: who sees which, where each lands, and that a section is a real
address (a link, Back, a reload)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tools.desk import Desk, sign_in

pytestmark = pytest.mark.timeout(60)

ADMIN_SECTIONS = [
    "WeChat accounts",
    "Workstreams",
    "Queues",
    "Agents",
    "Capacity profiles",
    "Supervisor",
]


def test_the_admin_lands_on_the_accounts_and_moves_between_sections(page, app):
    sign_in(page, app.admin_token)
    sections = page.get_by_role("navigation", name="Sections")
    expect(sections.get_by_role("link")).to_have_text(ADMIN_SECTIONS)
    expect(page).to_have_url(f"{app.url}/console/accounts")
    expect(sections.get_by_role("link", name="WeChat accounts")).to_have_attribute(
        "aria-current", "page"
    )

    sections.get_by_role("link", name="Queues").click()
    expect(page).to_have_url(f"{app.url}/console/queues")
    expect(page.get_by_role("heading", level=1)).to_have_text("Queues")
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("Queues")
    page.go_back()
    expect(page).to_have_url(f"{app.url}/console/accounts")


def test_a_supervisor_has_the_workspace_and_the_supervisors_view(page, app, wechat_api, admin):
    desk = Desk.open(app, wechat_api, admin)
    created = admin.post(
        "/api/admin/agents",
        json={"name": "Wu", "role": "supervisor", "queueIds": [desk.queue_id]},
    )
    assert created.status_code == 201, created.text
    sign_in(page, created.json()["token"])
    sections = page.get_by_role("navigation", name="Sections")
    expect(sections.get_by_role("link")).to_have_text(["Workspace", "Supervisor"])
    expect(page.get_by_label("Presence")).to_be_visible()
    page.goto("/console/accounts")  # not theirs: back to where they land
    expect(page).to_have_url(f"{app.url}/console/")


def test_an_agent_has_the_workspace_alone(page, app, wechat_api, admin):
    agent = Desk.open(app, wechat_api, admin).agent("Lin")
    sign_in(page, agent.token)
    expect(page.get_by_label("Presence")).to_be_visible()
    expect(page.get_by_role("navigation", name="Sections")).to_have_count(0)
