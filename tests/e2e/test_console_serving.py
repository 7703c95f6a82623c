"""The console, served by the app at /console/: strict CSP, hashed assets cached for good,
index.html never cached, pages of the console answered with index.html, / redirecting."""

from __future__ import annotations

import re

import httpx


def test_root_redirects_to_the_console(app):
    answer = httpx.get(f"{app.url}/")
    assert (answer.status_code, answer.headers["location"]) == (302, "/console/")


def test_the_page_is_never_cached_and_allows_this_origin_only(app):
    page = httpx.get(f"{app.url}/console/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "connect-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "<script>" not in page.text, "inline script would be refused by the policy"


def test_hashed_assets_are_immutable(app):
    page = httpx.get(f"{app.url}/console/").text
    assets = re.findall(r'(?:src|href)="(/console/assets/[^"]+)"', page)
    assert assets, "the page loads its bundle"
    for asset in assets:
        answer = httpx.get(f"{app.url}{asset}")
        assert answer.status_code == 200, asset
        assert "immutable" in answer.headers["cache-control"]
        assert answer.headers["x-content-type-options"] == "nosniff"


def test_console_pages_are_the_page_and_other_paths_are_404(app):
    deep = httpx.get(f"{app.url}/console/conversations/abc")
    assert deep.status_code == 200
    assert deep.text == httpx.get(f"{app.url}/console/").text
    for missing in ("/console/assets/nope.js", "/console/../host.json", "/nowhere"):
        assert httpx.get(f"{app.url}{missing}").status_code == 404, missing
    assert httpx.get(f"{app.url}/api/nowhere").status_code == 404
