"""The app under devhost, on its own Azurite, driven over HTTP like WeChat and an admin would."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from devhost.azurite import Azurite
from shared.store import StorageClients
from tools import local_app
from tools.local_app import LocalApp, app_settings, storage_clients
from tools.wechat_simulator import SimulatedAccount, WeChatApiSimulator

pytestmark = pytest.mark.timeout(120)

WECHAT_API_TIMEOUT = 5.0
"""The app's timeout on each call to WeChat: past a slow (3 s) send, short enough for a fault
test to see a timeout in seconds rather than the default 10."""


@pytest.fixture(scope="session")
def e2e_azurite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    """Apart from the integration tests' Azurite: the app's queue triggers consume what they
    find, so nothing else may share its queues."""
    with Azurite(tmp_path_factory.mktemp("e2e-azurite"), in_memory=True) as server:
        yield server


@pytest.fixture(scope="session")
def wechat_api() -> Iterator[WeChatApiSimulator]:
    """WeChat's server API for the app under test."""
    with WeChatApiSimulator() as simulator:
        yield simulator


@pytest.fixture(scope="session")
def app(
    e2e_azurite: Azurite, wechat_api: WeChatApiSimulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalApp]:
    local = LocalApp(
        app_settings(
            e2e_azurite.connection_string,
            WECHAT_API_BASE_URL=wechat_api.url,
            WECHAT_API_TIMEOUT_SECONDS=f"{WECHAT_API_TIMEOUT:g}",
            BOT_WEBHOOK_ALLOW_LOOPBACK="true",  # the webhook bot runs on loopback
        ),
        log_dir=tmp_path_factory.mktemp("app"),
    )
    with local:
        yield local
        code = local.stop()
    assert code == 0, f"devhost exited with {code}:\n{local.output()}"


@pytest.fixture(scope="session")
def storage(e2e_azurite: Azurite) -> StorageClients:
    return storage_clients(e2e_azurite.connection_string)


@pytest.fixture
def admin(app: LocalApp) -> Iterator[httpx.Client]:
    with app.admin() as client:
        yield client


def register(
    admin: httpx.Client, account: SimulatedAccount, mode: str = "safe", **extra: Any
) -> str:
    response = admin.post("/api/admin/accounts", json=account.registration(mode=mode, **extra))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def wait_for(condition: Callable[[], Any], timeout: float = 20.0, what: str = "condition") -> Any:
    return local_app.wait_for(condition, timeout, what)
