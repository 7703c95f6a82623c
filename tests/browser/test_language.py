"""The Language control: English and Simplified Chinese, switched in place and remembered;
the first visit follows the browser's language."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.timeout(60)


def expect_page_language(page: Page, language: str) -> None:
    """``<html lang>`` becomes ``language`` (the console sets it once the text has changed)."""
    page.wait_for_function("lang => document.documentElement.lang === lang", arg=language)


def expect_english(page: Page) -> None:
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect_page_language(page, "en")
    expect(page).to_have_title("WeChat contact center")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    expect(page.get_by_label("Access token")).to_be_visible()
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def expect_chinese(page: Page) -> None:
    expect(page.get_by_role("heading", name="登录")).to_be_visible()
    expect_page_language(page, "zh-CN")
    expect(page).to_have_title("微信客服中心")
    expect(page.get_by_label("访问令牌")).to_be_visible()
    expect(page.get_by_role("button", name="登录")).to_be_visible()


def test_the_switch_changes_the_texts_and_the_page_language(page):
    expect_english(page)
    page.get_by_label("Language").select_option(label="简体中文")
    expect_chinese(page)
    page.get_by_label("语言").select_option(label="English")
    expect_english(page)


def test_the_choice_is_remembered_across_visits(page):
    page.get_by_label("Language").select_option(label="简体中文")
    expect_chinese(page)
    page.reload()
    expect_chinese(page)


def test_a_chinese_browser_opens_in_chinese(open_page):
    expect_chinese(open_page(locale="zh-CN"))


def test_any_other_browser_language_opens_in_english(open_page):
    expect_english(open_page(locale="fr-FR"))
