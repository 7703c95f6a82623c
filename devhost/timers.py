"""Timer triggers: fire on the NCRONTAB (or TimeSpan) schedule, once at start if asked.

Schedules are read in UTC, as in Azure, or in ``WEBSITE_TIME_ZONE`` (an IANA name such as
``Asia/Shanghai``) when that setting is present. (Core Tools would use the machine's local
time; devhost follows Azure.) A TimeSpan schedule such as ``00:05:00`` fires every interval,
counted from the previous firing. A timer never overlaps itself: the next occurrence is
computed after the previous invocation returns, as the host does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime, timezone, tzinfo

from azure.functions.timer import TimerRequest

from devhost.app_index import TimerFunction
from devhost.errors import StartupError
from devhost.invoker import InvocationResult, Invoker

log = logging.getLogger("devhost")
TIME_ZONE_SETTING = "WEBSITE_TIME_ZONE"


def schedule_time_zone(settings: Mapping[str, str]) -> tzinfo:
    """UTC, or the zone named by ``WEBSITE_TIME_ZONE``."""
    name = (settings.get(TIME_ZONE_SETTING) or "").strip()
    if not name or name.upper() == "UTC":
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise StartupError(
            f"{TIME_ZONE_SETTING}={name!r} is not an IANA time zone name (e.g. Asia/Shanghai)"
        ) from None


class TimerRunner:
    """One timer function's clock: a thread that sleeps until the next occurrence."""

    def __init__(self, function: TimerFunction, invoker: Invoker, zone: tzinfo) -> None:
        self.function = function
        self.invoker = invoker
        self.zone = zone
        self.last: datetime | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"timer-{function.name}", daemon=True
        )

    def start(self) -> None:
        """Fire on schedule (and now, if ``runOnStartup``); without it only ``fire`` runs it."""
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=max(timeout, 0))

    def next_occurrence(self, now: datetime | None = None) -> datetime:
        return self.function.parsed_schedule.next_after(now or datetime.now(self.zone))

    def fire(self, *, past_due: bool = False) -> InvocationResult[None]:
        """Invoke the function once, now, with the TimerRequest the host would pass."""
        now = datetime.now(self.zone)
        status = {
            "Last": (self.last or now).isoformat(),
            "Next": self.next_occurrence(now).isoformat(),
            "LastUpdated": now.isoformat(),
        }
        self.last = now
        request = TimerRequest(
            past_due=past_due, schedule_status=status, schedule={"AdjustForDST": True}
        )
        return self.invoker.invoke(self.function, request)

    def _run(self) -> None:
        if self.function.run_on_startup:
            self.fire()
        while not self._stop.is_set():
            due = self.next_occurrence()
            while not self._stop.is_set():
                # In UTC: subtracting two times of one zone would ignore a DST change between.
                remaining = (due - datetime.now(timezone.utc)).total_seconds()
                if remaining <= 0:
                    break
                self._stop.wait(min(remaining, 60))
            if self._stop.is_set():
                return
            self.fire()
