"""Stored files' names and how they are served.

Names come from people and from WeChat (an agent's upload, ``media/get``'s
Content-Disposition): they end up in blob names, links and response headers, so one function
cleans them all. Served files are downloads that a browser never runs: only the media types
the app stores from WeChat and agents keep their type, everything else is
``application/octet-stream``, and every response is sandboxed.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import quote

MAX_NAME_LENGTH = 120
DISPLAYABLE_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/gif",
        "audio/amr",
        "audio/mpeg",
        "video/mp4",
    }
)
"""What agents may send as WeChat media and what customers' images, voice messages and videos
arrive as: types a browser only displays or plays. Never SVG or HTML, which can run script."""
DOWNLOAD_HEADERS = {
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "X-Content-Type-Options": "nosniff",
}
_DROPPED = set('"\\/?#%*:<>|')


def safe_name(filename: str | None, default: str = "file") -> str:
    """A file name fit for a blob path, a link and a header: its last path segment, without
    control or formatting characters, quotes, ``%`` or leading and trailing dots and spaces,
    at most ``MAX_NAME_LENGTH`` characters (keeping the extension); ``default`` if nothing is
    left."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in _DROPPED)
    name = name.strip(" .")
    if len(name) > MAX_NAME_LENGTH:
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) <= 16 else ""
        name = name[: MAX_NAME_LENGTH - len(suffix)].rstrip(" .") + suffix
    return name or default


def served_type(content_type: str | None) -> str:
    """The Content-Type a stored file is served with."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type if media_type in DISPLAYABLE_TYPES else "application/octet-stream"


def content_disposition(filename: str) -> str:
    """``attachment`` with the name (RFC 6266): an ASCII ``filename`` every client reads and,
    when the name is not plain ASCII, the exact one as ``filename*`` (RFC 5987 UTF-8)."""
    name = safe_name(filename)
    fallback = "".join(ch if " " <= ch <= "~" and ch not in ";," else "_" for ch in name)
    if fallback == name:
        return f'attachment; filename="{name}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
