"""Session-wide fixtures: the WeChat test vectors (tests/vectors), a private Azurite and the
OpenAPI document; and the example settings and a schema validator for the document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from devhost.azurite import Azurite

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator

ROOT = Path(__file__).resolve().parent.parent
VECTORS = ROOT / "tests" / "vectors" / "wechat.json"


@pytest.fixture(scope="session")
def vectors() -> dict[str, dict[str, Any]]:
    """The published WeChat vectors shipped in tests/vectors (each names its public source)."""
    return {v["id"]: v for v in json.loads(VECTORS.read_text("utf-8"))["vectors"]}


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """Azurite on three free loopback ports for this session, data in memory."""
    with Azurite(tmp_path_factory.mktemp("azurite"), in_memory=True) as server:
        yield server


@pytest.fixture(scope="session")
def storage_connection_string(azurite: Azurite) -> str:
    return azurite.connection_string


def example_values() -> dict[str, str]:
    """The settings of local.settings.example.json: enough for the app to start."""
    return json.loads((ROOT / "local.settings.example.json").read_text("utf-8"))["Values"]


@pytest.fixture(scope="session")
def openapi() -> dict[str, Any]:
    """The app's OpenAPI document."""
    from triggers.openapi import document

    return document()


def schema_validator(openapi: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    """A validator for ``schema`` (from ``openapi``) that resolves its ``#/components`` refs."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator({**schema, "components": openapi["components"]})
