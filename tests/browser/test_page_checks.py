"""The checks every browser test ends with can fail: a request to another origin, a CSP
violation, an uncaught exception, a missing file and a server error are each reported; the API
answers the console handles (a 401 for a wrong token) are not; a test can allow an error it
expects."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import watched_context

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def watched(browser, app):
    """A context and its log, left unchecked: these tests look at the log themselves."""
    context, log = watched_context(browser, app)
    page = context.new_page()
    page.goto("/console/")
    expect(page.get_by_label("Access token")).to_be_visible()
    yield page, log
    context.close()


def settle(page):
    """Closes the page so that every event it caused has been delivered."""
    page.close()


def test_a_request_to_another_origin_is_reported(browser, app, wechat_api):
    context, log = watched_context(browser, app)
    page = context.new_page()
    page.goto("/api/health")  # no CSP there: the fetch below really goes out, on loopback
    page.evaluate("url => fetch(url).catch(() => null)", f"{wechat_api.url}/cgi-bin/token")
    context.close()
    assert [problem for problem in log.problems() if problem.startswith("request")] == [
        f"request left the app's origin {app.url}: {wechat_api.url}/cgi-bin/token"
    ]


def test_a_csp_violation_is_reported(watched):
    page, log = watched
    page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.inline = true";
            document.body.append(script);
        }"""
    )
    settle(page)
    [problem] = log.problems()
    assert "Content Security Policy" in problem, problem


def test_an_uncaught_exception_is_reported(watched):
    page, log = watched
    page.evaluate("() => { setTimeout(() => { throw new Error('boom') }) }")
    page.wait_for_timeout(100)
    settle(page)
    [problem] = log.problems()
    assert "boom" in problem, problem


def test_a_missing_file_of_the_console_is_reported(watched, app):
    page, log = watched
    page.evaluate("() => fetch('/console/assets/missing.js')")
    settle(page)
    [problem] = log.problems()
    assert "status of 404" in problem, problem
    assert "/console/assets/missing.js" in problem, problem


def test_a_server_error_is_reported_though_the_console_handles_it(watched):
    page, log = watched
    page.route("**/api/agent/me", lambda route: route.fulfill(status=500, body="{}"))
    page.get_by_label("Access token").fill("any")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(
        "The service did not answer. Try again in a moment."
    )
    settle(page)
    assert log.problems() == [f"server error: 500 {log.origin}/api/agent/me"]


def test_an_api_answer_the_console_handles_is_no_error(watched):
    page, log = watched
    page.get_by_label("Access token").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    settle(page)
    assert any(url.endswith("/api/agent/me") for url in log.requests)
    assert log.problems() == []


@pytest.mark.allow_script_errors(r"expected by this test")
def test_a_test_can_allow_the_error_it_expects(page):
    page.evaluate("() => { setTimeout(() => { throw new Error('expected by this test') }) }")
    page.wait_for_timeout(100)
