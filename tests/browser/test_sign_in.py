"""Signing in and out of the console with an access token, as a person does it: an agent's
token, the admin token, a wrong one; the token kept for the tab only; a session that ends."""

from __future__ import annotations

import secrets

import httpx
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.timeout(60)


def new_agent(admin: httpx.Client, name: str) -> dict:
    """An agent created through the admin API: its view and, this once, its token."""
    queue = admin.post("/api/admin/queues", json={"name": f"q-{secrets.token_hex(4)}"})
    assert queue.status_code == 201, queue.text
    created = admin.post(
        "/api/admin/agents", json={"name": name, "queueIds": [queue.json()["id"]], "capacity": 2}
    )
    assert created.status_code == 201, created.text
    return created.json()


def sign_in(page: Page, token: str) -> None:
    page.get_by_label("Access token").fill(token)
    page.get_by_role("button", name="Sign in").click()


def expect_signed_in_as(page: Page, name: str) -> None:
    expect(page.get_by_role("banner")).to_contain_text(f"Signed in as {name}")
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_label("Access token")).to_have_count(0)


def expect_sign_in_page(page: Page) -> None:
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Access token")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)


def stored(page: Page) -> dict[str, dict[str, str]]:
    """Everything in the page's sessionStorage and localStorage."""
    return page.evaluate(
        """() => ({
            session: Object.fromEntries(Object.entries(sessionStorage)),
            local: Object.fromEntries(Object.entries(localStorage)),
        })"""
    )


def kept_anywhere(page: Page, token: str) -> bool:
    return any(token in value for area in stored(page).values() for value in area.values())


def test_an_agent_token_opens_the_workspace_with_the_agents_name(page, admin):
    agent = new_agent(admin, "Lin Xiaomei")
    expect_sign_in_page(page)
    sign_in(page, agent["token"])
    expect_signed_in_as(page, "Lin Xiaomei")
    assert stored(page)["session"] == {"wcc.token": agent["token"]}
    assert not any(agent["token"] in value for value in stored(page)["local"].values())


def test_a_wrong_token_shows_the_error_and_stays_on_sign_in(page):
    sign_in(page, "not-a-token-" + secrets.token_urlsafe(8))
    expect(page.get_by_role("alert")).to_have_text(
        "That access token is not valid. Check it and try again."
    )
    expect_sign_in_page(page)
    assert stored(page)["session"] == {}


def test_the_admin_token_signs_in_as_administrator(page, app):
    sign_in(page, app.admin_token)
    expect_signed_in_as(page, "Administrator")


def test_sign_out_returns_to_sign_in_and_forgets_the_token(page, admin):
    agent = new_agent(admin, "Zhou")
    sign_in(page, agent["token"])
    expect_signed_in_as(page, "Zhou")
    page.get_by_role("button", name="Sign out").click()
    expect_sign_in_page(page)
    expect(page.get_by_role("status")).to_have_text("You are signed out.")
    assert not kept_anywhere(page, agent["token"])
    page.reload()
    expect_sign_in_page(page)


def test_a_reload_keeps_the_tab_signed_in(page, admin):
    agent = new_agent(admin, "Chen")
    sign_in(page, agent["token"])
    expect_signed_in_as(page, "Chen")
    page.reload()
    expect_signed_in_as(page, "Chen")


def test_a_new_tab_must_sign_in_again(open_page, admin):
    """sessionStorage belongs to one tab: a second tab of the same browser starts signed out."""
    agent = new_agent(admin, "Wu")
    first = open_page()
    sign_in(first, agent["token"])
    expect_signed_in_as(first, "Wu")
    second = first.context.new_page()
    second.goto("/console/")
    expect_sign_in_page(second)


def test_a_401_later_ends_the_session(page, admin):
    """The agent is deleted while signed in; the console's next request is refused (401) and
    the tab is back on sign-in, told why. The console's next request is, for now, the one it
    makes on a reload; once the workspace calls the API, clicking through it is another."""
    agent = new_agent(admin, "Sun")
    sign_in(page, agent["token"])
    expect_signed_in_as(page, "Sun")
    assert admin.delete(f"/api/admin/agents/{agent['id']}").status_code == 204
    page.reload()
    expect_sign_in_page(page)
    expect(page.get_by_role("status")).to_have_text("Your session ended. Sign in again.")
    assert not kept_anywhere(page, agent["token"])


def test_tab_reaches_the_token_field_and_enter_submits(page, admin):
    agent = new_agent(admin, "He")
    field = page.get_by_label("Access token")
    for _ in range(5):
        page.keyboard.press("Tab")
        if field.evaluate("element => element === document.activeElement"):
            break
    expect(field).to_be_focused()
    page.keyboard.type(agent["token"])
    page.keyboard.press("Enter")
    expect_signed_in_as(page, "He")
