"""The supervisor's view as a supervisor (or the admin) uses it, on devhost + Azurite + the
WeChat API simulator: a customer who writes while no agent is available shows up waiting
without a reload, the transcript opens read only, and Transfer moves the conversation to an
agent or a queue whose agent then has it; the timeline tab lists a conversation's steps."""

from __future__ import annotations

import contextlib
import re
import secrets

import pytest
from azure.core.exceptions import ResourceExistsError
from playwright.sync_api import Locator, Page, expect

from shared.store.names import ROUTE_WORK_QUEUE
from tests.browser.conftest import LANGUAGES, WIDE
from tools.desk import Desk, DeskAgent, sign_in
from tools.local_app import storage_clients, wait_for

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def desk(app, wechat_api, admin) -> Desk:
    return Desk.open(app, wechat_api, admin)


def supervisor(desk: Desk, name: str) -> DeskAgent:
    created = desk.admin.post(
        "/api/admin/agents",
        json={
            "name": name,
            "queueIds": [desk.queue_id, desk.other_queue_id],
            "role": "supervisor",
        },
    )
    assert created.status_code == 201, created.text
    return DeskAgent(created.json()["id"], name, created.json()["token"])


def open_supervisor(page: Page, name: str = "Supervisor") -> None:
    page.get_by_role("link", name=name, exact=True).click()
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()


def queue_row(page: Page, name: str) -> Locator:
    queues = page.get_by_role("region", name="Queues")
    return queues.get_by_role("row").filter(has=page.get_by_role("rowheader", name=name))


def conversation_row(page: Page, open_id: str) -> Locator:
    return (
        page.get_by_role("region", name="Conversations").get_by_role("row").filter(has_text=open_id)
    )


def transfer(page: Page, to: str) -> None:
    page.get_by_role("button", name="Transfer", exact=True).click()
    dialog = page.get_by_role("dialog", name="Transfer")
    dialog.get_by_label("Transfer to").select_option(label=to)
    dialog.get_by_role("button", name="Transfer", exact=True).click()
    expect(page.get_by_role("status").filter(has_text="Transferred.")).to_be_visible()


def test_the_admin_sees_a_waiting_conversation_and_transfers_it_to_an_agent(page, app, desk):
    desk.agent("Ana", presence="offline")
    # The admin sees every agent of the app, other tests' Lins too: this one has a name alone.
    lin = desk.agent(f"Lin {secrets.token_hex(3)}", queue=desk.other_queue_id)
    sign_in(page, app.admin_token)
    open_supervisor(page)

    customer = desk.customer()
    desk.write(customer, "Is anyone there? 有人吗")
    # Without a reload: the queue's figures and the conversation, waiting.
    row = conversation_row(page, customer.open_id)
    expect(row).to_contain_text("In queue")
    expect(row).to_contain_text("Unassigned")
    expect(row).to_contain_text("Is anyone there? 有人吗")
    front = queue_row(page, desk.admin.get(f"/api/admin/queues/{desk.queue_id}").json()["name"])
    expect(front.get_by_role("cell").nth(0)).to_have_text("1")

    row.get_by_role("link", name=customer.open_id).click()
    detail = page.get_by_role("region", name=customer.open_id)
    expect(detail.get_by_role("log", name="Transcript")).to_contain_text("Is anyone there? 有人吗")
    expect(detail.get_by_role("textbox")).to_have_count(0)  # read only: no reply box

    transfer(page, f"{lin.name} (available)")
    assert desk.conversation_of(lin, customer)["state"] == "active"
    expect(conversation_row(page, customer.open_id)).to_contain_text(lin.name)


def test_a_supervisor_transfers_a_waiting_conversation_to_a_queue_whose_agent_takes_it(
    open_page, desk
):
    sue = supervisor(desk, "Sue")
    lin = desk.agent("Lin", queue=desk.other_queue_id)
    page = open_page()
    sign_in(page, sue.token)
    open_supervisor(page)
    expect(page.get_by_role("region", name="Queues").get_by_role("row")).to_have_count(3)

    customer = desk.customer()
    desk.write(customer, "I would like to return these shoes")
    row = conversation_row(page, customer.open_id)
    expect(row).to_contain_text("In queue")
    row.get_by_role("link", name=customer.open_id).click()

    transfer(page, desk.other_queue_name)
    assert desk.conversation_of(lin, customer)["queueId"] == desk.other_queue_id
    expect(conversation_row(page, customer.open_id)).to_contain_text("Lin")
    expect(conversation_row(page, customer.open_id)).to_contain_text("Active")


@pytest.mark.screenshots
@pytest.mark.parametrize("language", LANGUAGES)
def test_supervisor_page_with_live_data(open_page, shoot, language, desk):
    sue = supervisor(desk, "Sue" if language == "en" else "苏")
    ana = desk.agent("Ana" if language == "en" else "安娜", capacity=1)
    desk.agent("Bo" if language == "en" else "博", presence="away", capacity=2)
    desk.agent("Lin" if language == "en" else "林", presence="offline", queue=desk.other_queue_id)
    first, second = desk.customer(), desk.customer()
    desk.write(
        first, "Hello, my order has not arrived" if language == "en" else "你好，我的订单还没到"
    )
    held = desk.conversation_of(ana, first)
    with desk.app.client(ana.token) as client:
        client.post(
            f"/api/agent/conversations/{held['id']}/messages",
            json={"text": "Let me check that for you." if language == "en" else "我帮您查一下。"},
        ).raise_for_status()
    desk.write(second, "Can I change my address?" if language == "en" else "可以改收货地址吗？")

    page = open_page(locale=language, viewport=WIDE)
    sign_in(page, sue.token, language)
    open_supervisor(page, "Supervisor" if language == "en" else "主管视图")
    expect(page.locator(".sv-list tbody tr")).to_have_count(2)
    page.locator(".sv-list tbody tr").filter(has_text=first.open_id).get_by_role("link").click()
    expect(page.locator(".cv-line")).not_to_have_count(0)
    shoot(page, "supervisor", language)


def test_the_admin_sees_how_many_messages_are_poison(page, app, browser_azurite):
    """Nothing while the poison queues are empty; the count and what it means once one is not."""
    sign_in(page, app.admin_token)
    open_supervisor(page)
    expect(page.get_by_role("region", name="Queues")).to_be_visible()
    notice = page.get_by_role("region", name=re.compile(r"^Poison messages"))
    expect(notice).to_have_count(0)
    poison = storage_clients(browser_azurite.connection_string).queue(f"{ROUTE_WORK_QUEUE}-poison")
    with contextlib.suppress(ResourceExistsError):
        poison.create_queue()
    try:
        poison.send_message('{"conversationId":"acct-conversation"}')
        page.reload()
        expect(notice).to_have_accessible_name("Poison messages: 1")
        expect(notice).to_contain_text("GET /api/admin/poison")
    finally:
        poison.clear_messages()  # the other pages' tests and screenshots see none


def test_the_admin_opens_the_timeline_of_a_routed_answered_conversation(page, app, desk):
    """Every step, in order: the push received and filed, routed (no rule: the fallback queue),
    assigned to the agent, the agent's reply sent and WeChat's ok."""
    lin = desk.agent(f"Lin {secrets.token_hex(3)}")
    customer = desk.customer()
    desk.write(customer, "Where is my parcel?")
    held = desk.conversation_of(lin, customer)
    with desk.app.client(lin.token) as client:
        client.post(
            f"/api/agent/conversations/{held['id']}/messages", json={"text": "On its way"}
        ).raise_for_status()
    sent = f"/api/admin/conversations/{held['id']}/timeline"
    wait_for(
        lambda: any(e["kind"] == "sent" for e in desk.admin.get(sent).json()["events"]) or None,
        20,
        "the reply sent",
    )
    sign_in(page, app.admin_token)
    open_supervisor(page)
    conversation_row(page, customer.open_id).get_by_role("link", name=customer.open_id).click()
    detail = page.get_by_role("region", name=customer.open_id)
    expect(detail.get_by_role("tab", name="Transcript")).to_have_attribute("aria-selected", "true")
    detail.get_by_role("tab", name="Timeline").click()
    steps = detail.get_by_role("list", name=re.compile("^What happened")).get_by_role("listitem")
    expect(steps).to_have_count(5)
    expect(steps.nth(0)).to_contain_text("Push received")
    expect(steps.nth(1)).to_contain_text("Filed")
    expect(steps.nth(2)).to_contain_text("Routed")
    expect(steps.nth(2)).to_contain_text("no rule matched")
    expect(steps.nth(3)).to_contain_text("Assigned")
    expect(steps.nth(3)).to_contain_text(f"to {lin.name}")
    expect(steps.nth(4)).to_contain_text("Sent")
    expect(steps.nth(4)).to_contain_text(f"from {lin.name}, attempt 1")
    expect(steps.nth(4)).to_contain_text("ok")
