"""The worker's services, built once per process.

Settings load when the first blueprint is imported, so a missing or malformed setting stops
the app at start-up with the setting's name, not on the first request that needs it. Telemetry
is set up at the same moment, before any span or metric is made.
"""

from __future__ import annotations

from functools import lru_cache

from shared.bootstrap import Services
from shared.core.settings import load_settings
from shared.core.telemetry import configure_telemetry

SETTINGS = load_settings()
TELEMETRY = configure_telemetry()


@lru_cache(maxsize=1)
def services() -> Services:
    return Services.build(SETTINGS)
