"""The Capacity profiles page: an admin creates a profile, gives it to an agent in the agent
editor and to a workstream's settings; what the browser saved is what the API stores."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import Page, expect

from tools.desk import sign_in

pytestmark = pytest.mark.timeout(60)


def test_a_profile_made_in_the_browser_reaches_an_agent(app, admin, open_page):
    suffix = secrets.token_hex(3)
    page: Page = open_page()
    sign_in(page, app.admin_token)
    page.get_by_role("navigation", name="Sections").get_by_role(
        "link", name="Capacity profiles"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Capacity profiles")

    page.get_by_label("Name", exact=True).fill(f"Chat {suffix}")
    page.get_by_label("Conversations at once").fill("2")
    page.get_by_label("During wrap-up").select_option(label="Keeps its place for a fixed time")
    page.get_by_label("Wrap-up time (seconds)").fill("10")
    page.get_by_role("button", name="Create profile").click()
    expect(page.get_by_text("must be between PT30S and PT60M")).to_be_visible()
    page.get_by_label("Wrap-up time (seconds)").fill("90")
    page.get_by_role("button", name="Create profile").click()
    expect(page.get_by_role("status")).to_have_text(f"Capacity profile Chat {suffix} saved.")
    stored = [
        p
        for p in admin.get("/api/admin/capacity-profiles").json()["capacityProfiles"]
        if p["name"] == f"Chat {suffix}"
    ]
    assert [(p["maxItems"], p["blockAssignmentDuringWrapUp"]) for p in stored] == [(2, "fixed")]
    assert stored[0]["wrapUpDuration"] in ("PT1M30S", "PT90S")

    agent = admin.post("/api/admin/agents", json={"name": f"Lin {suffix}"}).json()
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Agents").click()
    page.get_by_role("link", name=f"Lin {suffix}").click()
    page.get_by_role("checkbox", name=f"Chat {suffix} (up to 2)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible()
    got = admin.get(f"/api/admin/agents/{agent['id']}").json()
    assert got["capacityProfileIds"] == [stored[0]["id"]]
