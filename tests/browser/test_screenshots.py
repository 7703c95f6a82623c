"""Screenshots of the console for the docs, in English and Chinese: docs/screenshots/NAME.LANG.png.

``make screenshots`` runs the tests marked ``screenshots`` with ``SCREENSHOTS_DIR`` set to
docs/screenshots; commit the PNGs it changes. In ``make test`` the same tests write to a
temporary folder, so what the docs show is also checked like any other page.

To add one: write a test marked ``screenshots`` and parametrized by ``LANGUAGES`` (here or in
the browser test module of the page it shows), get the console into the state to show with
the folder's fixtures (``tools.desk.Desk`` makes an account, queues, a workstream and agents,
and customers who write), then call ``shoot(page, "NAME", language)``; ``WIDE`` is the
viewport for a busy page. ``shoot`` and ``screenshots_dir`` are in conftest.py.
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LANGUAGES, WIDE
from tools.desk import Desk, sign_in

pytestmark = [pytest.mark.timeout(60), pytest.mark.screenshots]


@pytest.mark.parametrize("language", LANGUAGES)
def test_sign_in(open_page, shoot, language):
    page = open_page(locale=language)
    heading = {"en": "Sign in", "zh-CN": "登录"}[language]
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    shoot(page, "sign-in", language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_workspace_with_a_live_conversation(open_page, shoot, language, app, wechat_api, admin):
    desk = Desk.open(app, wechat_api, admin)
    agent = desk.agent("Lin Xiaomei", capacity=4)
    page = open_page(locale=language, viewport=WIDE)
    sign_in(page, agent.token, language)
    earlier, current = desk.customer(), desk.customer()
    desk.write(earlier, "发票可以开公司抬头吗？")
    desk.write(current, "你好，我上周买的耳机一直没发货，订单号 20261128-4711")
    conversation = desk.conversation_of(agent, current)
    with app.client(agent.token) as client:
        path = f"/api/agent/conversations/{conversation['id']}/messages"
        answer = client.post(path, json={"text": "您好！我马上帮您查一下物流 🙂"})
        assert answer.status_code == 202, answer.text
    time.sleep(1.1)  # WeChat times a line to the second: keep the reply before the next line
    desk.write(current, "好的，谢谢！顺便问一下能开发票吗？")
    desk.push(current, current.location())
    item = page.get_by_role("navigation").get_by_role("button").filter(has_text=current.open_id)
    item.click()
    log = page.get_by_role("log")
    expect(log).to_contain_text("顺便问一下能开发票吗", timeout=10_000)
    expect(log.get_by_text({"en": "Sent", "zh-CN": "已发送"}[language])).to_be_visible()
    unread = re.compile({"en": "unread", "zh-CN": "未读"}[language])
    expect(item.get_by_label(unread)).to_have_count(0)  # opened, so read
    shoot(page, "workspace", language)
