"""The OpenAPI document's viewer at /api/docs/: served by the app itself, nothing from a CDN,
and no inline script (its Content-Security-Policy says so)."""

from __future__ import annotations

import re

import httpx

CSP = "Content-Security-Policy"


def test_the_page_loads_only_its_own_files(app):
    page = httpx.get(f"{app.url}/api/docs/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    policy = page.headers[CSP]
    assert "default-src 'none'" in policy
    assert "script-src 'self'" in policy
    assert "unsafe" not in policy
    assert "<script>" not in page.text, "an inline script would be refused by the policy"
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert sources, "the page loads its viewer"
    for source in sources:
        assert source.startswith("/api/"), f"{source} is not served by the app"
        asset = httpx.get(f"{app.url}{source}")
        assert asset.status_code == 200, source
        assert asset.headers["x-content-type-options"] == "nosniff"


def test_the_viewer_reads_the_apps_document(app):
    script = httpx.get(f"{app.url}/api/docs/viewer.js").text
    assert '"/api/openapi.json"' in script
    bundle = httpx.get(f"{app.url}/api/docs/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert "SwaggerUIBundle" in bundle.text


def test_without_the_slash_the_page_redirects_and_other_names_are_404(app):
    bare = httpx.get(f"{app.url}/api/docs")
    assert (bare.status_code, bare.headers["location"]) == (308, "/api/docs/")
    for name in ("index.j2", "..%2Fopenapi.py", "__init__.py", "vendor"):
        assert httpx.get(f"{app.url}/api/docs/{name}").status_code == 404, name


def test_health_says_storage_answers_and_nothing_more(app):
    answer = httpx.get(f"{app.url}/api/health")
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "storage": {"tables": "ok", "queues": "ok", "blobs": "ok"},
    }
