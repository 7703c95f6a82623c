"""The agent workspace as an agent uses it, on devhost + Azurite + the WeChat API simulator:
presence, a customer's lines arriving without a reload and exactly as written, replies that
reach WeChat (or show why not), closing, parking and transferring, files, and a session that
ends while the console is open."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tools.desk import Desk, DeskAgent, sign_in
from tools.local_app import wait_for

pytestmark = pytest.mark.timeout(90)

SEND = "/cgi-bin/message/custom/send"
REALTIME = 2_000  # ms: what the issue promises from the push's acknowledgement to the screen


@pytest.fixture
def desk(app, wechat_api, admin) -> Desk:
    return Desk.open(app, wechat_api, admin)


def conversations(page: Page) -> Locator:
    return page.get_by_role("navigation", name="My conversations")


def transcript(page: Page) -> Locator:
    return page.get_by_role("log", name="Transcript")


def open_conversation(page: Page, open_id: str) -> None:
    conversations(page).get_by_role("button").filter(has_text=open_id).click()
    expect(page.get_by_role("heading", level=2).filter(has_text=open_id)).to_be_visible()


def line(page: Page, text: str) -> Locator:
    return transcript(page).get_by_role("listitem").filter(has_text=text)


def wait_for_presence(desk: Desk, agent: DeskAgent, presence: str) -> None:
    with desk.app.client(agent.token) as client:
        wait_for(
            lambda: client.get("/api/agent/me").json()["presence"] == presence,
            10,
            f"the presence {presence} to reach the API",
        )


def test_presence_is_set_from_the_console_and_shows_the_capacity(page, desk):
    agent = desk.agent("Lin", presence="offline", capacity=3)
    sign_in(page, agent.token)
    presence = page.get_by_label("Presence")
    expect(presence).to_have_value("offline")
    expect(page.get_by_text("0 of 3 used · 3 free")).to_be_visible()

    presence.select_option(label="Available")
    wait_for_presence(desk, agent, "available")
    customer = desk.customer()
    desk.write(customer, "hello")
    expect(page.get_by_text("1 of 3 used · 2 free")).to_be_visible(timeout=5_000)

    presence.select_option(label="Do not disturb")
    wait_for_presence(desk, agent, "doNotDisturb")


def test_a_customers_lines_arrive_exactly_as_written_and_a_reply_goes_out(page, desk):
    agent = desk.agent("Lin")
    sign_in(page, agent.token)
    expect(page.get_by_text("No conversations yet")).to_be_visible()
    customer = desk.customer()
    written = "您好！订单 #4711 还没到 😀🚚\n第二行：请帮我查一下"

    desk.write(customer, written)
    item = conversations(page).get_by_role("listitem").filter(has_text=customer.open_id)
    expect(item).to_contain_text("您好！订单 #4711 还没到 😀🚚", timeout=REALTIME + 3_000)
    expect(item.get_by_label("1 unread")).to_be_visible()
    expect(item).to_contain_text(re.compile(r"\d+ h \d+ min left · \d+ messages? left"))

    open_conversation(page, customer.open_id)
    first = line(page, "#4711")
    expect(first).to_be_visible()
    assert written in first.evaluate("element => element.textContent")
    window = re.compile(r"^4[78] h \d+ min left · \d+ messages? left$")
    expect(page.get_by_text(window)).to_have_count(2)  # in the list and over the transcript
    expect(item.get_by_label("1 unread")).to_have_count(0)

    reply = page.get_by_label("Reply")
    reply.fill("好的，")
    reply.press("Shift+Enter")
    reply.press_sequentially("马上帮您查 👍")
    reply.press("Enter")
    expect(reply).to_have_value("")
    sent_line = line(page, "马上帮您查")
    expect(sent_line).to_contain_text("Sent", timeout=10_000)
    assert desk.sent_to(customer)[-1]["text"]["content"] == "好的，\n马上帮您查 👍"

    second = "还在吗？🙏"
    desk.write(customer, second)
    expect(line(page, second)).to_be_visible(timeout=REALTIME + 3_000)
    assert second in line(page, second).evaluate("element => element.textContent")


def test_a_refused_reply_shows_why(page, desk, wechat_api):
    agent = desk.agent("Lin")
    sign_in(page, agent.token)
    customer = desk.customer()
    desk.write(customer, "hello")
    desk.conversation_of(agent, customer)
    open_conversation(page, customer.open_id)

    wechat_api.inject(SEND, errcode=45015, errmsg="response out of time limit", times=5)
    try:
        page.get_by_label("Reply").fill("Sorry for the wait")
        page.get_by_role("button", name="Send").click()
        refused = line(page, "Sorry for the wait")
        expect(refused).to_contain_text("Failed", timeout=15_000)
        expect(refused).to_contain_text(re.compile("window", re.IGNORECASE))
    finally:
        wechat_api.reset_faults()


def test_park_transfer_and_close(page, desk):
    agent = desk.agent("Lin")
    colleague = desk.agent("Wu", queue=desk.other_queue_id)
    sign_in(page, agent.token)
    parked, moved, closed = desk.customer(), desk.customer(), desk.customer()
    for customer in (parked, moved, closed):
        desk.write(customer, f"hi from {customer.open_id}")
        desk.conversation_of(agent, customer)

    open_conversation(page, parked.open_id)
    page.get_by_role("button", name="Park").click()
    expect(
        conversations(page).get_by_role("listitem").filter(has_text=parked.open_id)
    ).to_contain_text("Waiting")

    open_conversation(page, moved.open_id)
    opener = page.get_by_role("button", name="Transfer")
    opener.click()
    dialog = page.get_by_role("dialog", name="Transfer")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(opener).to_be_focused()
    opener.click()
    dialog.get_by_label("Transfer to").select_option(label=desk.other_queue_name)
    dialog.get_by_role("button", name="Transfer", exact=True).click()
    expect(conversations(page).get_by_text(moved.open_id)).to_have_count(0)
    desk.conversation_of(colleague, moved)

    open_conversation(page, closed.open_id)
    page.get_by_role("button", name="Close conversation").click()
    dialog = page.get_by_role("dialog", name="Close conversation")
    dialog.get_by_role("button", name="Wrap up").click()
    item = conversations(page).get_by_role("listitem").filter(has_text=closed.open_id)
    expect(item).to_contain_text("Wrap-up")
    page.get_by_role("button", name="Finish wrap-up").click()
    expect(conversations(page).get_by_text(closed.open_id)).to_have_count(0)


def test_files_are_offered_only_where_agents_may_send_them(page, app, wechat_api, admin):
    strict = Desk.open(app, wechat_api, admin, fileAttachments={"agentsCanSend": False})
    agent = strict.agent("Lin")
    sign_in(page, agent.token)
    customer = strict.customer()
    strict.write(customer, "can you send me the invoice?")
    strict.conversation_of(agent, customer)
    open_conversation(page, customer.open_id)
    expect(page.get_by_label("Reply")).to_be_visible()
    expect(page.get_by_label("Attach file")).to_have_count(0)


def test_a_file_over_the_limit_is_refused_before_it_is_uploaded(page, desk):
    agent = desk.agent("Lin")
    sign_in(page, agent.token)
    customer = desk.customer()
    desk.write(customer, "a photo please")
    desk.conversation_of(agent, customer)
    open_conversation(page, customer.open_id)

    uploads: list[str] = []
    page.on(
        "request",
        lambda request: (
            uploads.append(request.url)
            if request.method == "POST" and request.url.endswith("/messages")
            else None
        ),
    )
    png = b"\x89PNG\r\n\x1a\n" + bytes(3 * 1024 * 1024)
    page.get_by_label("Attach file").set_input_files(
        {"name": "photo.png", "mimeType": "image/png", "buffer": png}
    )
    expect(page.get_by_role("alert")).to_contain_text("photo.png")
    assert uploads == []


def test_a_session_that_ends_while_open_goes_back_to_sign_in(page, desk):
    agent = desk.agent("Lin")
    sign_in(page, agent.token)
    expect(page.get_by_label("Presence")).to_be_visible()
    rotated = desk.admin.post(f"/api/admin/agents/{agent.id}/token")
    assert rotated.status_code == 200, rotated.text
    expect(page.get_by_text("Your session ended. Sign in again.")).to_be_visible(timeout=10_000)
    expect(page.get_by_label("Access token")).to_be_visible()


def test_an_agent_disabled_while_signed_in_goes_back_to_sign_in(page, desk):
    agent = desk.agent("Lin")
    sign_in(page, agent.token)
    expect(page.get_by_label("Presence")).to_be_visible()
    disabled = desk.admin.patch(f"/api/admin/agents/{agent.id}", json={"disabled": True})
    assert disabled.status_code == 200, disabled.text
    expect(page.get_by_text("This agent is disabled. Ask your administrator.")).to_be_visible(
        timeout=10_000
    )
    expect(page.get_by_label("Access token")).to_be_visible()


def test_pick_mode_lists_open_work_and_picking_takes_it(page, app, wechat_api, admin):
    picking = Desk.open(app, wechat_api, admin, distributionMode="pick")
    agent = picking.agent("Lin")
    sign_in(page, agent.token)
    customer = picking.customer()
    picking.write(customer, "anyone there?")
    open_work = page.get_by_role("region", name="Open work")
    waiting = open_work.get_by_role("listitem").filter(has_text=customer.open_id)
    expect(waiting).to_contain_text("anyone there?", timeout=REALTIME + 3_000)
    waiting.get_by_role("button", name="Pick").click()
    expect(
        conversations(page).get_by_role("listitem").filter(has_text=customer.open_id)
    ).to_be_visible()
    expect(page.get_by_role("heading", level=2).filter(has_text=customer.open_id)).to_be_visible()


def test_an_unsent_reply_waits_in_its_conversation(page, desk):
    agent = desk.agent("Lin")
    sign_in(page, agent.token)
    first, second = desk.customer(), desk.customer()
    for customer in (first, second):
        desk.write(customer, "hello")
        desk.conversation_of(agent, customer)
    open_conversation(page, first.open_id)
    page.get_by_label("Reply").fill("稍等，我查一下")
    open_conversation(page, second.open_id)
    expect(page.get_by_label("Reply")).to_have_value("")
    open_conversation(page, first.open_id)
    expect(page.get_by_label("Reply")).to_have_value("稍等，我查一下")
