"""The reply box's "Send more…" in Chromium, as an agent uses it: a news article and a card
of the account's linked mini-program go out from their dialogs, WeChat (the simulator) gets
them, and the transcript shows both."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tools.desk import Desk, sign_in
from tools.local_app import wait_for

pytestmark = pytest.mark.timeout(90)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
MINI_APP = "wx00112233445566aa"


def test_an_agent_sends_an_article_and_a_mini_program_card(
    open_page, app, wechat_api, admin, tmp_path
):
    desk = Desk.open(app, wechat_api, admin)
    linked = admin.patch(
        f"/api/admin/accounts/{desk.account_id}", json={"miniProgramAppIds": [MINI_APP]}
    )
    assert linked.status_code == 200, linked.text
    agent = desk.agent("Lin")
    page = open_page()
    sign_in(page, agent.token)
    customer = desk.customer()
    desk.write(customer, "Where is my refund?")
    desk.conversation_of(agent, customer)
    page.get_by_role("navigation").get_by_role("button").filter(has_text=customer.open_id).click()

    page.get_by_label("Send more…").select_option("news")
    dialog = page.get_by_role("dialog", name="Article")
    dialog.get_by_label("Title").fill("Your refund")
    dialog.get_by_label("Link (http:// or https://)").fill("https://shop.example.com/r/42")
    dialog.get_by_role("button", name="Send").click()
    expect(dialog).to_be_hidden()

    cover = tmp_path / "card.png"
    cover.write_bytes(PNG)
    page.get_by_label("Send more…").select_option("card")
    dialog = page.get_by_role("dialog", name="Mini-program card")
    expect(dialog.get_by_label("Mini-program (AppID)")).to_have_value(MINI_APP)
    dialog.get_by_label("Title").fill("Track your order")
    dialog.get_by_label("Page", exact=True).fill("pages/order/index?id=42")
    dialog.get_by_label("Cover image (JPEG or PNG, best 520×416)").set_input_files(str(cover))
    dialog.get_by_role("button", name="Send").click()
    expect(dialog).to_be_hidden()

    sent = wait_for(
        lambda: (bodies := desk.sent_to(customer)) and len(bodies) >= 2 and bodies,
        20,
        "the article and the card at WeChat",
    )
    assert [body["msgtype"] for body in sent] == ["news", "miniprogrampage"]
    assert sent[0]["news"]["articles"][0]["url"] == "https://shop.example.com/r/42"
    assert sent[1]["miniprogrampage"]["pagepath"] == "pages/order/index?id=42"
    log = page.get_by_role("log")
    expect(log).to_contain_text("Your refund")
    expect(log).to_contain_text(f"{MINI_APP} · pages/order/index?id=42")
    expect(log.get_by_role("img", name="The card's cover")).to_be_visible()
