"""The admin's Queues pages: a queue with weekly opening hours, a time zone, a holiday and
overflow made in the browser and read back through the admin API (and on the page); the API's
validation message next to the field it names, with nothing created; a delete refused while a
workstream uses the queue, with the API's reason."""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Page, expect

from tools.desk import Desk, sign_in

pytestmark = pytest.mark.timeout(90)


def open_queues(page: Page, admin_token: str) -> None:
    sign_in(page, admin_token)
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Queues").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Queues")


def queue_named(admin, name: str) -> list[dict]:
    return [q for q in admin.get("/api/admin/queues").json()["queues"] if q["name"] == name]


def test_a_queue_with_opening_hours_is_saved_and_read_back(page, app, admin):
    suffix = secrets.token_hex(3)
    overflow_to = admin.post("/api/admin/queues", json={"name": f"Overflow {suffix}"}).json()
    open_queues(page, app.admin_token)
    page.get_by_role("link", name="New queue").first.click()

    page.get_by_label("Name").fill(f"Support {suffix}")
    page.get_by_label("Priority").fill("20")
    page.get_by_label("Assignment method").select_option(label="Round robin")
    page.get_by_label("Open during set hours").check()
    page.get_by_label("Time zone").select_option("Europe/Berlin")
    page.get_by_role("button", name="Add hours on Monday").click()  # 09:00–18:00 to start with
    page.get_by_role("button", name="Copy Monday to Tuesday–Friday").click()
    page.get_by_role("button", name="Add hours on Friday").click()
    page.get_by_label("Friday opens (2)").fill("19:00")
    page.get_by_label("Friday closes (2)").fill("21:30")
    page.get_by_role("button", name="Add hours on Saturday").click()
    page.get_by_label("Saturday opens").fill("10:00")
    page.get_by_label("Saturday closes").fill("24:00")
    page.get_by_role("button", name="Add holiday").click()
    page.get_by_label("Holiday 1 date").fill("2026-02-17")
    page.get_by_label("Holiday 1 name").fill("春节")
    page.get_by_label("Outside opening hours and on holidays").select_option(
        label="End the conversation"
    )
    page.get_by_label("Most conversations waiting").fill("5")
    page.get_by_label("When the queue is full").select_option(label="Transfer to another queue")
    page.get_by_label("Transfer overflow to").select_option(label=overflow_to["name"])
    page.get_by_role("button", name="Create queue").click()

    expect(page.get_by_role("status")).to_have_text(f"Queue Support {suffix} created.")
    [stored] = queue_named(admin, f"Support {suffix}")
    assert (stored["priority"], stored["assignmentMethod"]) == (20, "roundRobin")
    assert stored["operatingHours"] == {
        "timeZone": "Europe/Berlin",
        "weekly": [
            {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"},
            {"days": [5], "start": "19:00", "end": "21:30"},
            {"days": [6], "start": "10:00", "end": "24:00"},
        ],
        "holidays": [{"date": "2026-02-17", "name": "春节"}],
    }
    assert stored["outOfHours"]["action"] == "end"
    assert stored["overflow"] == {
        "action": "transfer",
        "transferQueueId": overflow_to["id"],
        "maxWaiting": 5,
    }
    row = page.get_by_role("row").filter(has_text=f"Support {suffix}")
    expect(row).to_contain_text("Mon–Thu 09:00–18:00; Fri 09:00–18:00, 19:00–21:30")
    expect(row).to_contain_text("Europe/Berlin · Holidays: 1")

    # The editor shows what is stored.
    row.get_by_role("link", name=f"Edit Support {suffix}").click()
    expect(page.get_by_label("Time zone")).to_have_value("Europe/Berlin")
    expect(page.get_by_label("Saturday closes")).to_have_value("24:00")
    expect(page.get_by_label("Sunday", exact=True)).to_contain_text("Closed")
    page.get_by_role("button", name="Remove Friday 19:00–21:30").click()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    [edited] = queue_named(admin, f"Support {suffix}")
    assert edited["operatingHours"]["weekly"][:2] == [
        {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00"},
        {"days": [6], "start": "10:00", "end": "24:00"},
    ]


def test_the_apis_validation_is_shown_next_to_the_field_and_nothing_is_created(page, app, admin):
    name = f"Bad {secrets.token_hex(3)}"
    open_queues(page, app.admin_token)
    page.get_by_role("link", name="New queue").first.click()
    page.get_by_label("Name").fill(name)
    page.get_by_label("Priority").fill("5000")
    page.get_by_role("button", name="Create queue").click()

    priority = page.get_by_label("Priority")
    expect(priority).to_have_attribute("aria-invalid", "true")
    expect(priority).to_have_accessible_description(re.compile("less than or equal to 1000"))
    expect(page.get_by_role("alert")).to_have_text(
        "Some fields need attention: see the messages next to them."
    )
    assert queue_named(admin, name) == []

    page.get_by_label("Priority").fill("10")  # a window that ends before it opens: the page says so
    page.get_by_label("Open during set hours").check()
    page.get_by_role("button", name="Add hours on Monday").click()
    page.get_by_label("Monday closes").fill("08:00")
    page.get_by_role("button", name="Create queue").click()
    expect(page.get_by_label("Monday closes")).to_have_accessible_description(
        "The closing time must be after the opening time (24:00 for the end of the day)."
    )
    assert queue_named(admin, name) == []


def test_a_queue_a_workstream_uses_is_not_deleted_and_the_page_says_why(
    page, app, wechat_api, admin
):
    desk = Desk.open(app, wechat_api, admin)
    name = admin.get(f"/api/admin/queues/{desk.queue_id}").json()["name"]
    open_queues(page, app.admin_token)
    page.get_by_role("button", name=f"Delete {name}").click()
    dialog = page.get_by_role("dialog", name=f"Delete queue {name}?")
    expect(dialog).to_contain_text("cannot be deleted")
    dialog.get_by_role("button", name="Delete queue").click()
    expect(page.get_by_role("alert")).to_have_text(
        f"This queue is still in use: queue {desk.queue_id} is used by workstream "
        f"{desk.workstream_id}; change it first"
    )
    assert admin.get(f"/api/admin/queues/{desk.queue_id}").status_code == 200

    page.get_by_role("button", name=f"Delete {desk.other_queue_name}").click()
    page.get_by_role("dialog").get_by_role("button", name="Delete queue").click()
    expect(page.get_by_role("status")).to_have_text(f"Queue {desk.other_queue_name} deleted.")
    assert admin.get(f"/api/admin/queues/{desk.other_queue_id}").status_code == 404
