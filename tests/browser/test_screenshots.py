"""Screenshots of the console for the docs, in English and Chinese: docs/screenshots/NAME.LANG.png.

``make screenshots`` runs the tests marked ``screenshots`` with ``SCREENSHOTS_DIR`` set to
docs/screenshots; commit the PNGs it changes. In ``make test`` the same tests write to a
temporary folder, so what the docs show is also checked like any other page.

To add one (the workspace with a live conversation, say): write a test here marked
``screenshots`` and parametrized by ``LANGUAGES``, get the console into the state to show with
the folder's fixtures (``admin`` creates an agent and its token; ``app.push`` with a
``tools.wechat_simulator.WeChatCustomer`` starts a conversation), then call
``shoot(page, "workspace-conversation", language)``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tools.desk import Desk, sign_in

from .conftest import ROOT

pytestmark = [pytest.mark.timeout(60), pytest.mark.screenshots]

LANGUAGES = ["en", "zh-CN"]
MAX_BYTES = 250_000  # documentation, kept in git: a busy workspace at 1280x800 is about 150 kB
WIDE = {"width": 1280, "height": 800}
INSTALL_CJK_FONT = "apt-get install fonts-noto-cjk"

Shoot = Callable[[Page, str, str], Path]


def has_chinese_font() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    found = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True)
    return bool(found.stdout.strip())


@pytest.fixture(scope="module")
def screenshots_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """SCREENSHOTS_DIR (relative to the repository), else a temporary folder."""
    wanted = os.environ.get("SCREENSHOTS_DIR")
    if not wanted:
        return tmp_path_factory.mktemp("screenshots")
    if not has_chinese_font():
        pytest.fail(f"no Chinese font: the zh-CN screenshots would show boxes ({INSTALL_CJK_FONT})")
    folder = ROOT / wanted
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def shoot(screenshots_dir: Path) -> Shoot:
    """``shoot(page, name, language)``: the page's viewport as NAME.LANGUAGE.png, once its
    fonts are in, without the caret or animations (so that the same page gives the same PNG)."""

    def shoot_(page: Page, name: str, language: str) -> Path:
        page.evaluate("() => document.fonts.ready.then(() => true)")
        path = screenshots_dir / f"{name}.{language}.png"
        page.screenshot(path=path, caret="hide", animations="disabled")
        size = path.stat().st_size
        assert size < MAX_BYTES, f"{path} is {size} bytes: keep screenshots under {MAX_BYTES}"
        return path

    return shoot_


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
