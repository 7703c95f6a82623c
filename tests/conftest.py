"""Session-wide fixtures: the WeChat test vectors and a private Azurite."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devhost.azurite import Azurite

ROOT = Path(__file__).resolve().parent.parent
VECTORS = Path(os.environ.get("WECHAT_VECTORS", ROOT.parent / "shared" / "wechat" / "vectors.json"))


@pytest.fixture(scope="session")
def vectors() -> dict[str, dict[str, Any]]:
    """The team's verified vectors, read where they live (never copied into the repo)."""
    if not VECTORS.exists():
        pytest.skip(f"WeChat test vectors not found at {VECTORS} (set WECHAT_VECTORS)")
    return {v["id"]: v for v in json.loads(VECTORS.read_text("utf-8"))["vectors"]}


@pytest.fixture(scope="session")
def azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """Azurite on three free loopback ports for this session, data in memory."""
    with Azurite(tmp_path_factory.mktemp("azurite"), in_memory=True) as server:
        yield server


@pytest.fixture(scope="session")
def storage_connection_string(azurite: Azurite) -> str:
    return azurite.connection_string
