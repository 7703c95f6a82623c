"""The web console's built files (``console/dist``, made by ``make console``), as the app serves
them at ``/console/``: one deployable, nothing from a CDN.

Vite names every file under ``assets/`` by a hash of its content, so those are cached for a
year; ``index.html``, which names the current ones, is never cached. A path with no file
extension is a page of the console (its own routing), answered with ``index.html``.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
DIST = ROOT / "console" / "dist"

CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; font-src 'self'; manifest-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
"""No inline script, no eval, requests to this origin only. Attachments are fetched with the
bearer token and shown from ``blob:`` URLs, hence blob: for images and media."""

IMMUTABLE = "public, max-age=31536000, immutable"
NO_CACHE = "no-cache"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".json": "application/json",
    ".mp3": "audio/mpeg",
    ".txt": "text/plain; charset=utf-8",
}


class ConsoleFile(NamedTuple):
    content: bytes
    content_type: str
    cache_control: str


class ConsoleNotBuiltError(Exception):
    """``console/dist`` is missing: ``make console`` has not run (or the package was deployed
    without it)."""


def console_file(path: str, dist: Path = DIST) -> ConsoleFile | None:
    """The file for ``/console/<path>``, or None when there is no such file."""
    index = dist / "index.html"
    if not index.is_file():
        raise ConsoleNotBuiltError(f"{index} is missing: run make console")
    parts = PurePosixPath(path).parts
    if any(part in ("..", ".") or "\\" in part for part in parts) or path.startswith("/"):
        return None
    name = PurePosixPath(*parts) if parts else PurePosixPath("index.html")
    if not name.suffix:  # a page of the console, not a file
        name = PurePosixPath("index.html")
    content_type = _TYPES.get(name.suffix.lower())
    file = dist.joinpath(*name.parts)
    if content_type is None or not file.is_file():
        return None
    cache = IMMUTABLE if name.parts[0] == "assets" else NO_CACHE
    return ConsoleFile(file.read_bytes(), content_type, cache)
