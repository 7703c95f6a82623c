"""App settings as the host sees them: the environment first, then ``local.settings.json``.

Core Tools loads ``Values`` from ``local.settings.json`` into the worker's environment without
overriding variables that are already set, and binding strings may name a setting as
``%NAME%``. Devhost does both before importing the app, which reads its settings at import.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from devhost.errors import StartupError

LOCAL_SETTINGS_FILE = "local.settings.json"
DEFAULT_HTTP_PORT = 7071  # Core Tools' port when neither --port nor Host.LocalHttpPort is given
_SETTING_REFERENCE = re.compile(r"%([^%]+)%")


def read_local_values(root: Path) -> dict[str, str]:
    """``Values`` of ``root/local.settings.json``, or nothing if the file does not exist."""
    path = root / LOCAL_SETTINGS_FILE
    if not path.exists():
        return {}
    try:
        document = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise StartupError(f"{path}: cannot be read as JSON: {error}") from None
    if not isinstance(document, dict):
        raise StartupError(f"{path}: must be a JSON object")
    if document.get("IsEncrypted"):
        raise StartupError(f"{path}: is encrypted; devhost reads only unencrypted settings")
    values = document.get("Values") or {}
    if not isinstance(values, dict):
        raise StartupError(f"{path}: Values must be an object")
    bad = sorted(name for name, value in values.items() if not isinstance(value, str))
    if bad:
        raise StartupError(f"{path}: Values must be strings: {', '.join(bad)}")
    return values


def read_local_http_port(root: Path) -> int | None:
    """``Host.LocalHttpPort`` of ``local.settings.json``: the port ``func start`` listens on
    when no ``--port`` is given. None when the file or the setting is absent.

    Core Tools read the file with Json.NET: names in any case, and a number or a numeric string.
    """
    path = root / LOCAL_SETTINGS_FILE
    try:
        document = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise StartupError(f"{path}: cannot be read as JSON: {error}") from None
    host = _get_ignoring_case(document, "Host")
    value = _get_ignoring_case(host, "LocalHttpPort")
    if value is None:
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise StartupError(
            f"{path}: Host.LocalHttpPort must be a port number from 1 to 65535, not {value!r}"
        )
    return value


def _get_ignoring_case(document: object, name: str) -> object:
    if not isinstance(document, dict):
        return None
    return next((value for key, value in document.items() if key.lower() == name.lower()), None)


def effective_settings(root: Path, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """Every setting the app will see: ``environ`` wins over ``local.settings.json``."""
    environ = os.environ if environ is None else environ
    return {**read_local_values(root), **environ}


def export_local_values(root: Path, environ: MutableMapping[str, str] | None = None) -> None:
    """Put ``local.settings.json`` values into ``environ`` where the name is not set yet."""
    environ = os.environ if environ is None else environ
    for name, value in read_local_values(root).items():
        environ.setdefault(name, value)


def resolve_references(text: str, settings: Mapping[str, str], *, where: str) -> str:
    """Replace each ``%NAME%`` with the setting's value; a missing setting stops start-up."""

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in settings:
            raise StartupError(f"{where}: app setting {name!r} (referenced as %{name}%) is not set")
        return settings[name]

    return _SETTING_REFERENCE.sub(value_of, text)
