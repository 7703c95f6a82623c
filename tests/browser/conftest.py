"""The console in a real browser: Debian's Chromium, driven by Playwright, on the app under
devhost with its own Azurite and the WeChat API simulator.

One browser for the whole folder, a fresh context (cookies, storage, locale) per page. Every
page records each request and each script error; at the end of a test its pages are closed and
checked: no request left the app's origin, and no script error was logged (a CSP violation is
one). A test that expects a script error says so with
``@pytest.mark.allow_script_errors(r"regex", ...)``.

Find controls as people do, by role and label (``get_by_role``, ``get_by_label``), never by a
CSS selector or a test id: a test that needs one has found a control without a name, and the
console is what needs fixing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Playwright,
    Response,
    sync_playwright,
)

from devhost.azurite import Azurite
from tools.local_app import LocalApp, app_settings
from tools.wechat_simulator import WeChatApiSimulator
from tools.wechat_simulator.playground import PAGE_PATH

ROOT = Path(__file__).resolve().parent.parent.parent
CONSOLE_INDEX = ROOT / "console" / "dist" / "index.html"
INSTALL_CHROMIUM = "apt-get install chromium"

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    # Nothing but the page may use the network: it is closed here, and a test must not
    # depend on Google's services answering.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]

VIEWPORT = {"width": 1024, "height": 640}

# Chromium's own line for an HTTP error answer ("Failed to load resource: the server responded
# with a status of 401 (Unauthorized)"). For an API call the console reads the answer and
# reacts (a wrong token is a 401 by design), so that line is no script error; for anything
# else (a missing script or style) it is.
HTTP_ERROR_LINE = re.compile(r"^Failed to load resource: the server responded with a status of")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="package", autouse=True)
def chromium_executable() -> str:
    """Debian's Chromium, never Playwright's own browser download (these machines reach only
    package registries). Missing: the folder is skipped with the install command, or fails
    under CI, whose .ci/run installs it."""
    path = shutil.which("chromium")
    if path is None:
        message = f"Chromium is not installed: the browser tests need it ({INSTALL_CHROMIUM})"
        if in_ci():
            pytest.fail(f"{message}; .ci/run installs it, so CI must have it")
        pytest.skip(message)
    return path


@pytest.fixture(scope="package")
def browser_azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """Apart from the other suites' Azurites: the app's queue triggers consume what they find."""
    with Azurite(tmp_path_factory.mktemp("browser-azurite"), in_memory=True) as server:
        yield server


@pytest.fixture(scope="package")
def wechat_api() -> Iterator[WeChatApiSimulator]:
    """WeChat's server API for the app under test."""
    with WeChatApiSimulator() as simulator:
        yield simulator


@pytest.fixture(scope="package")
def app(
    browser_azurite: Azurite,
    wechat_api: WeChatApiSimulator,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LocalApp]:
    if not CONSOLE_INDEX.is_file():
        pytest.fail(f"{CONSOLE_INDEX} is missing: run make console (make test does)")
    local = LocalApp(
        app_settings(
            browser_azurite.connection_string,
            WECHAT_API_BASE_URL=wechat_api.url,
            BOT_WEBHOOK_ALLOW_LOOPBACK="true",
        ),
        log_dir=tmp_path_factory.mktemp("browser-app"),
    )
    with local:
        yield local
        code = local.stop()
    assert code == 0, f"devhost exited with {code}:\n{local.output()}"


@pytest.fixture
def admin(app: LocalApp) -> Iterator[httpx.Client]:
    with app.admin() as client:
        yield client


@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright, chromium_executable: str) -> Iterator[Browser]:
    """One headless Chromium for the folder. Playwright gives it a fresh profile (user data
    dir) of its own, removed when it closes."""
    chromium = playwright.chromium.launch(
        executable_path=chromium_executable, headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()


@dataclass
class PageLog:
    """What the pages of one context did: every request's URL, every answer that was a server
    error, and every script error."""

    origin: str
    requests: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.on("request", lambda request: self.requests.append(request.url))
        context.on("response", self._response)
        context.on("console", self._console)
        context.on("weberror", lambda error: self.script_errors.append(f"uncaught {error.error}"))

    def _response(self, response: Response) -> None:
        if response.status >= 500:
            self.server_errors.append(f"{response.status} {response.url}")

    def _console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        where = message.location.get("url", "")
        if HTTP_ERROR_LINE.match(message.text) and urlsplit(where).path.startswith("/api/"):
            return
        self.script_errors.append(f"{message.text} ({where})")

    def problems(self, allowed_errors: Iterable[re.Pattern[str]] = ()) -> list[str]:
        """Requests that left the app's origin (data: and blob: URLs never leave the page),
        server errors (which the console's handling of API answers must not hide), then script
        errors that match none of ``allowed_errors``."""
        allowed = list(allowed_errors)
        foreign = [
            f"request left the app's origin {self.origin}: {url}"
            for url in self.requests
            if urlsplit(url).scheme not in ("data", "blob") and not same_origin(url, self.origin)
        ]
        server = [f"server error: {answer}" for answer in self.server_errors]
        errors = [
            f"script error: {error}"
            for error in self.script_errors
            if not any(pattern.search(error) for pattern in allowed)
        ]
        return foreign + server + errors


def same_origin(url: str, origin: str) -> bool:
    parts, home = urlsplit(url), urlsplit(origin)
    return (parts.scheme, parts.netloc) == (home.scheme, home.netloc)


def watched_context(
    browser: Browser, app: LocalApp, locale: str = "en-US", **options: Any
) -> tuple[BrowserContext, PageLog]:
    """A fresh context on the app (its own storage, ``locale`` as the browser's language) and
    the log of what its pages do."""
    options.setdefault("viewport", VIEWPORT)
    context = browser.new_context(
        base_url=app.url, locale=locale, service_workers="block", **options
    )
    log = PageLog(app.url)
    log.watch(context)
    return context, log


OpenPage = Callable[..., Page]


@pytest.fixture
def open_page(
    browser: Browser, app: LocalApp, request: pytest.FixtureRequest
) -> Iterator[OpenPage]:
    """``open_page(locale="zh-CN", path="/console/", **context_options)``: a page of the
    console in a fresh context (English by default), watched until the test ends and checked
    then."""
    opened: list[tuple[BrowserContext, PageLog]] = []

    def open_(locale: str = "en-US", path: str = "/console/", **options: Any) -> Page:
        context, log = watched_context(browser, app, locale, **options)
        opened.append((context, log))
        page = context.new_page()
        page.goto(path)
        return page

    yield open_
    for context, _ in opened:
        context.close()  # every event is in before the check
    allowed = [
        re.compile(pattern)
        for mark in request.node.iter_markers("allow_script_errors")
        for pattern in mark.args
    ]
    problems = [problem for _, log in opened for problem in log.problems(allowed)]
    assert not problems, "\n".join(problems)


@pytest.fixture
def page(open_page: OpenPage) -> Page:
    """The console's first page, in English, in a fresh context."""
    return open_page()


@pytest.fixture
def phone(browser: Browser, wechat_api) -> Iterator[Page]:
    """The WeChat simulator's customer playground, on the simulator's own origin, checked
    like the console's pages."""
    context = browser.new_context(base_url=wechat_api.url, viewport=VIEWPORT)
    log = PageLog(wechat_api.url)
    log.watch(context)
    page = context.new_page()
    page.goto(PAGE_PATH)
    yield page
    context.close()
    assert not log.problems(), "\n".join(log.problems())


# --- screenshots for the docs (make screenshots; see test_screenshots.py) -----------------

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
