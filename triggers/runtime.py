"""The worker's services, built once per process.

Settings load when the first blueprint is imported, so a missing or malformed setting stops
the app at start-up with the setting's name, not on the first request that needs it.
"""

from __future__ import annotations

from functools import lru_cache

from shared.bootstrap import Services
from shared.core.settings import load_settings

SETTINGS = load_settings()


@lru_cache(maxsize=1)
def services() -> Services:
    return Services.build(SETTINGS)
