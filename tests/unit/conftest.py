"""The service tests' fixtures: the route, assign, outbox and desk services on in-memory fakes
of the stores (tests/fakes), on a clock the test moves. No Azurite, no network."""

from __future__ import annotations

import pytest

from tests.fakes.clock import Clock
from tests.fakes.services import FakeServices
from tests.fakes.world import FakeWorld


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def services(clock: Clock) -> FakeServices:
    return FakeServices(clock)


@pytest.fixture
def world(services: FakeServices) -> FakeWorld:
    return FakeWorld(services)
