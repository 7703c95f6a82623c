"""Builds the app's dependencies in one place, from settings (STYLE.md: one bootstrap)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .settings import Settings
from .store import StorageClients

Clock = Callable[[], float]


@dataclass
class Services:
    """What the use cases need: settings, storage and a clock (injectable for tests)."""

    settings: Settings
    storage: StorageClients
    clock: Clock = field(default=time.time)

    @classmethod
    def build(cls, settings: Settings) -> Services:
        return cls(settings=settings, storage=StorageClients.from_settings(settings.storage))
