"""A timer trigger's ``schedule``: a TimeSpan interval or an NCRONTAB expression.

Parsed once, when the app is indexed; a schedule that cannot be read stops start-up.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from devhost.ncrontab import parse_schedule
from devhost.timespan import parse_timespan


class Schedule(Protocol):
    def next_after(self, after: datetime) -> datetime: ...


class IntervalSchedule:
    """A TimeSpan schedule: every ``interval``."""

    def __init__(self, interval: timedelta) -> None:
        if interval <= timedelta(0):
            raise ValueError("a TimeSpan schedule must be longer than zero")
        self.interval = interval

    def next_after(self, after: datetime) -> datetime:
        return after + self.interval


def schedule_of(text: str) -> Schedule:
    """The schedule ``text`` describes (TimeSpan first, as the host tries); ``ValueError`` if
    it is neither a TimeSpan nor NCRONTAB."""
    try:
        interval = parse_timespan(text)
    except ValueError:
        return parse_schedule(text)
    return IntervalSchedule(interval)
