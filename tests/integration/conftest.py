"""In-process services against the session's Azurite, with a clock tests can move."""

from __future__ import annotations

import base64
import os

import pytest

from shared.bootstrap import Services
from shared.settings import load_settings


class Clock:
    def __init__(self, now: float = 1_764_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(storage_connection_string: str, clock: Clock) -> Services:
    settings = load_settings(
        {
            "AzureWebJobsStorage": storage_connection_string,
            "ADMIN_TOKEN": "integration-admin-token",
            "SECRETS_KEY": base64.b64encode(os.urandom(32)).decode(),
        }
    )
    return Services.build(settings, clock=clock)
