"""A readable viewer of the OpenAPI document at ``/api/docs/``: Swagger UI, from the npm package
``swagger-ui-dist`` pinned in package-lock.json, copied into ``vendor/`` by ``make assets``
(tools/vendor_assets.py) and served by the app itself: nothing comes from a CDN.

The page runs no inline script and loads nothing from elsewhere, which its
Content-Security-Policy enforces.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
VENDOR = HERE / "vendor"
VENDORED = ("swagger-ui-bundle.js", "swagger-ui.css", "LICENSE")
"""What tools/vendor_assets.py copies from node_modules/swagger-ui-dist."""

_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "viewer.js": "text/javascript; charset=utf-8",
    "viewer.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "LICENSE": "text/plain; charset=utf-8",
}
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


class ViewerFile(NamedTuple):
    content: bytes
    content_type: str


class ViewerNotBuiltError(Exception):
    """The vendored files are missing: ``make assets`` has not run (or the package was
    deployed without them)."""


def viewer_file(name: str) -> ViewerFile | None:
    """One of the viewer's files by name (``""`` is the page), or None for any other name."""
    name = name or "index.html"
    content_type = _TYPES.get(name)
    if content_type is None:
        return None
    path = (VENDOR if name in VENDORED else HERE) / name
    try:
        return ViewerFile(path.read_bytes(), content_type)
    except FileNotFoundError:
        raise ViewerNotBuiltError(f"{name} is missing from {VENDOR}: run make assets") from None
