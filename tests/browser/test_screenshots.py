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
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from .conftest import ROOT

pytestmark = [pytest.mark.timeout(60), pytest.mark.screenshots]

LANGUAGES = ["en", "zh-CN"]
MAX_BYTES = 100_000  # documentation, kept in git: a flat page at 1024x640 is far below this
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
