"""Queue operating hours: windows, holidays and daylight saving time, on the queue's clock."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from shared.core.schema import validation_error
from shared.model.hours import HoursStatus, OperatingHours

OPEN, CLOSED, HOLIDAY = HoursStatus.OPEN, HoursStatus.CLOSED, HoursStatus.HOLIDAY
SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc

OFFICE = OperatingHours.model_validate(
    {
        "timeZone": "Asia/Shanghai",
        "weekly": [
            {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "12:00"},
            {"days": [1, 2, 3, 4, 5], "start": "13:00", "end": "18:00"},
            {"days": [6], "start": "10:00", "end": "24:00"},
        ],
        "holidays": [{"date": "2026-10-01", "name": "国庆节"}],
    }
)


def shanghai(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (shanghai(23, 8, 59, 59), CLOSED),  # Monday, before the morning window
        (shanghai(23, 9), OPEN),  # start is inclusive
        (shanghai(23, 11, 59, 59), OPEN),
        (shanghai(23, 12), CLOSED),  # end is exclusive
        (shanghai(23, 12, 30), CLOSED),  # lunch, between two windows of the same day
        (shanghai(23, 13), OPEN),
        (shanghai(27, 17, 59, 59), OPEN),  # Friday
        (shanghai(27, 18), CLOSED),
        (shanghai(28, 9, 59), CLOSED),  # Saturday starts later
        (shanghai(28, 10), OPEN),
        (shanghai(28, 23, 59, 59), OPEN),  # 24:00 is the end of the day
        (shanghai(29, 0), CLOSED),  # Sunday: no window
        (shanghai(29, 12), CLOSED),
    ],
)
def test_windows(now: datetime, expected: HoursStatus):
    assert OFFICE.status(now) is expected


def test_any_aware_time_is_read_on_the_queues_clock():
    assert OFFICE.status(datetime(2026, 11, 23, 0, 59, tzinfo=UTC)) is CLOSED  # 08:59 Shanghai
    assert OFFICE.status(datetime(2026, 11, 23, 1, 0, tzinfo=UTC)) is OPEN  # 09:00
    new_york = datetime(2026, 11, 22, 20, 0, tzinfo=ZoneInfo("America/New_York"))
    assert OFFICE.local(new_york) == shanghai(23, 9)
    assert OFFICE.local(new_york).utcoffset() == timedelta(hours=8)
    assert OFFICE.status(new_york) is OPEN  # Sunday evening there, Monday morning here


def test_a_naive_time_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        OFFICE.status(datetime(2026, 11, 23, 9, 0))


def test_overlapping_windows_add_up():
    hours = OperatingHours.model_validate(
        {
            "weekly": [
                {"days": [1], "start": "09:00", "end": "12:00"},
                {"days": [1, 2], "start": "11:00", "end": "14:00"},
            ]
        }
    )
    assert [hours.status(shanghai(23, h)) for h in (8, 9, 11, 13, 14)] == [
        CLOSED,
        OPEN,
        OPEN,
        OPEN,
        CLOSED,
    ]
    assert hours.status(shanghai(24, 10)) is CLOSED  # Tuesday has only the second window
    assert hours.status(shanghai(24, 11)) is OPEN


def test_no_weekly_windows_means_open_around_the_clock_except_on_holidays():
    hours = OperatingHours.model_validate({"holidays": [{"date": "2026-11-29"}]})
    assert hours.time_zone == "Asia/Shanghai"
    start = shanghai(23, 0)
    statuses = {hours.status(start + timedelta(minutes=17 * i)) for i in range(6 * 24 * 60 // 17)}
    assert statuses == {OPEN}
    assert hours.status(shanghai(29, 3)) is HOLIDAY


def test_a_holiday_is_the_whole_local_day_in_the_queues_zone():
    # 2026-10-01 is a Thursday: it would be open from 09:00.
    assert OFFICE.status(shanghai(1, 10, month=10)) is HOLIDAY
    still_september_in_utc = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # 00:00 on 1 October
    assert OFFICE.status(still_september_in_utc) is HOLIDAY
    assert OFFICE.status(still_september_in_utc - timedelta(seconds=1)) is CLOSED
    assert OFFICE.status(datetime(2026, 10, 1, 15, 59, 59, tzinfo=UTC)) is HOLIDAY
    assert OFFICE.status(datetime(2026, 10, 1, 16, 0, tzinfo=UTC)) is CLOSED  # Friday 00:00
    assert OFFICE.status(shanghai(2, 9, month=10)) is OPEN


def minutes_open(hours: OperatingHours, start: datetime, stretch: int = 26) -> list[datetime]:
    """The minutes of ``stretch`` hours from ``start`` at which ``hours`` are open."""
    minutes = (start + timedelta(minutes=m) for m in range(stretch * 60))
    return [m for m in minutes if hours.status(m) is OPEN]


def sunday_window(start: str, end: str) -> OperatingHours:
    return OperatingHours.model_validate(
        {"timeZone": "Europe/Berlin", "weekly": [{"days": [7], "start": start, "end": end}]}
    )


def test_windows_follow_local_time_across_daylight_saving():
    nine_to_five = OperatingHours.model_validate(
        {
            "timeZone": "Europe/Berlin",
            "weekly": [{"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "17:00"}],
        }
    )
    assert nine_to_five.status(datetime(2026, 7, 6, 7, 0, tzinfo=UTC)) is OPEN  # 09:00 CEST
    assert nine_to_five.status(datetime(2026, 1, 5, 7, 30, tzinfo=UTC)) is CLOSED  # 08:30 CET
    assert nine_to_five.status(datetime(2026, 1, 5, 8, 0, tzinfo=UTC)) is OPEN  # 09:00 CET


def test_on_the_day_clocks_go_forward_the_missing_hour_never_opens():
    day = datetime(2026, 3, 29, 0, 0, tzinfo=BERLIN).astimezone(UTC)  # 23:00 UTC on the 28th
    assert minutes_open(sunday_window("02:00", "03:00"), day) == []
    assert len(minutes_open(sunday_window("00:00", "24:00"), day)) == 23 * 60  # a 23-hour day
    around = minutes_open(sunday_window("01:00", "04:00"), day)
    assert len(around) == 120  # 01:00–02:00 CET, then 03:00–04:00 CEST
    assert around[0] == datetime(2026, 3, 29, 0, 0, tzinfo=UTC)
    assert around[-1] == datetime(2026, 3, 29, 1, 59, tzinfo=UTC)


def test_on_the_day_clocks_go_back_the_repeated_hour_opens_twice():
    day = datetime(2026, 10, 25, 0, 0, tzinfo=BERLIN).astimezone(UTC)  # 22:00 UTC on the 24th
    repeated = minutes_open(sunday_window("02:00", "03:00"), day)
    assert len(repeated) == 120  # 02:00–03:00 CEST, then 02:00–03:00 CET again
    assert repeated[0] == datetime(2026, 10, 25, 0, 0, tzinfo=UTC)
    assert repeated[-1] == datetime(2026, 10, 25, 1, 59, tzinfo=UTC)
    assert len(minutes_open(sunday_window("00:00", "24:00"), day)) == 25 * 60  # a 25-hour day


def test_hours_come_back_as_written():
    data = OFFICE.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert data["timeZone"] == "Asia/Shanghai"
    assert data["holidays"] == [{"date": "2026-10-01", "name": "国庆节"}]
    assert OperatingHours.model_validate(data) == OFFICE


def window(**changes: Any) -> dict[str, Any]:
    return {"weekly": [{"days": [1], "start": "09:00", "end": "18:00", **changes}]}


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"timeZone": "Mars/Olympus_Mons"}, "timeZone", "IANA time zone"),
        ({"timeZone": "+08:00"}, "timeZone", "IANA time zone"),
        ({"timeZone": "../../etc/passwd"}, "timeZone", "IANA time zone"),
        ({"timeZone": ""}, "timeZone", "IANA time zone"),
        (window(start="9:00"), "weekly.0.start", '"HH:MM"'),
        (window(start="09:60"), "weekly.0.start", '"HH:MM"'),
        (window(start="24:00", end="24:00"), "weekly.0.start", "00:00 to 23:59"),
        (window(end="24:01"), "weekly.0.end", '"HH:MM"'),
        (window(end="25:00"), "weekly.0.end", '"HH:MM"'),
        (window(end="0900"), "weekly.0.end", '"HH:MM"'),
        (window(end="08:00"), "weekly.0.end", "must be after start (09:00)"),
        (window(end="09:00"), "weekly.0.end", "must be after start (09:00)"),
        (window(days=[0]), "weekly.0.days", "1 (Monday) to 7 (Sunday), not 0"),
        (window(days=[1, 8]), "weekly.0.days", "not 8"),
        (window(days=[1, 3, 1]), "weekly.0.days", "1 appears twice"),
        (window(days=[]), "weekly.0.days", "at least 1 item"),
        ({"weekly": [{"days": [1], "start": "09:00"}]}, "weekly.0.end", "is required"),
        ({"holidays": [{"date": "2026-02-30"}]}, "holidays.0.date", ""),
        ({"timezone": "UTC"}, "timezone", "is not a known field"),
    ],
)
def test_refused_with_the_field(data: dict[str, Any], field: str, message: str):
    with pytest.raises(ValidationError) as caught:
        OperatingHours.model_validate(data)
    error = validation_error(caught.value)
    assert error.field == field
    assert message in error.message


def test_the_widest_window_is_accepted():
    hours = OperatingHours.model_validate(window(start="00:00", end="24:00", days=[7, 1]))
    assert hours.status(shanghai(23, 0)) is OPEN
    assert hours.status(shanghai(23, 23, 59, 59)) is OPEN
    assert hours.status(shanghai(24, 0)) is CLOSED
