"""When a queue takes conversations: weekly windows and holidays in the queue's own time zone."""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Annotated
from zoneinfo import ZoneInfo, available_timezones

from pydantic import AfterValidator, Field, ValidationInfo, field_validator

from shared.core.schema import ApiModel

_HH_MM = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]|24:00")


TIME_ZONES = tuple(sorted(available_timezones()))
"""The zone database's names; the OpenAPI document lists them, so it says exactly what is
accepted (ZoneInfo itself would also open file names such as ``posixrules``)."""


def _time_zone(value: str) -> str:
    if value not in _ZONE_SET:
        raise ValueError(f"must be an IANA time zone such as Asia/Shanghai, not {value!r}")
    return value


_ZONE_SET = frozenset(TIME_ZONES)
TimeZoneName = Annotated[
    str, AfterValidator(_time_zone), Field(json_schema_extra={"enum": list(TIME_ZONES)})
]
"""An IANA time zone name (Asia/Shanghai, Europe/Berlin), checked against the zone database."""


class HoursStatus(Enum):
    OPEN = "open"
    CLOSED = "closed"
    HOLIDAY = "holiday"


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


class WeeklyWindow(ApiModel):
    """Open from ``start`` (inclusive) to ``end`` (exclusive) on each of ``days``."""

    days: list[int] = Field(
        min_length=1,
        max_length=7,
        json_schema_extra={
            "items": {"type": "integer", "minimum": 1, "maximum": 7},
            "uniqueItems": True,
        },
    )
    """ISO weekdays: 1 is Monday, 7 is Sunday."""
    start: str = Field(json_schema_extra={"pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"})
    """"HH:MM", 00:00 to 23:59."""
    end: str = Field(json_schema_extra={"pattern": "^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"})
    """"HH:MM" after start; 24:00 is the end of the day."""

    @field_validator("days")
    @classmethod
    def _days(cls, days: list[int]) -> list[int]:
        for day in days:
            if not 1 <= day <= 7:
                raise ValueError(f"are ISO weekdays from 1 (Monday) to 7 (Sunday), not {day}")
        if len(set(days)) != len(days):
            repeated = next(day for day in days if days.count(day) > 1)
            raise ValueError(f"must not repeat a day: {repeated} appears twice")
        return days

    @field_validator("start")
    @classmethod
    def _start(cls, start: str) -> str:
        if not _HH_MM.fullmatch(start) or start == "24:00":
            raise ValueError(f'must be a time "HH:MM" from 00:00 to 23:59, not {start!r}')
        return start

    @field_validator("end")
    @classmethod
    def _end(cls, end: str, info: ValidationInfo) -> str:
        if not _HH_MM.fullmatch(end):
            raise ValueError(f'must be a time "HH:MM" from 00:01 to 24:00, not {end!r}')
        start = info.data.get("start")
        if start is not None and _minutes(end) <= _minutes(start):
            raise ValueError(f"must be after start ({start}); use 24:00 for the end of the day")
        return end

    def contains(self, local: dt.datetime) -> bool:
        if local.isoweekday() not in self.days:
            return False
        return _minutes(self.start) <= local.hour * 60 + local.minute < _minutes(self.end)


class Holiday(ApiModel):
    date: dt.date
    """The whole calendar day in the queue's time zone is closed."""
    name: str | None = Field(default=None, max_length=100)


class OperatingHours(ApiModel):
    """A queue's opening hours.

    Windows are local wall-clock time in ``timeZone``, so they follow daylight saving time: a
    window 09:00–18:00 opens at 09:00 local time in summer and in winter. On the day the clocks
    go forward, local times that do not exist are never reached (a window 02:00–03:00 in
    Europe/Berlin stays closed that day, and 01:00–04:00 is open for two hours); on the day they
    go back, the repeated hour counts twice (02:00–03:00 is open for two hours).
    """

    time_zone: TimeZoneName = "Asia/Shanghai"
    """An IANA time zone."""
    weekly: list[WeeklyWindow] = Field(default=[], max_length=100)
    """Empty: open around the clock (except on holidays)."""
    holidays: list[Holiday] = Field(default=[], max_length=1000)

    def local(self, now: dt.datetime) -> dt.datetime:
        """``now`` (timezone-aware) on the queue's clock."""
        if now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        return now.astimezone(ZoneInfo(self.time_zone))

    def status(self, now: dt.datetime) -> HoursStatus:
        local = self.local(now)
        today = local.date()
        if any(holiday.date == today for holiday in self.holidays):
            return HoursStatus.HOLIDAY
        if not self.weekly or any(window.contains(local) for window in self.weekly):
            return HoursStatus.OPEN
        return HoursStatus.CLOSED
