"""NCRONTAB schedules as the Functions host reads them (devhost/ncrontab.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from devhost.ncrontab import next_fire, parse_schedule


def fires(schedule: str, after: datetime, count: int = 1) -> list[datetime]:
    moments = []
    for _ in range(count):
        after = next_fire(schedule, after)
        moments.append(after)
    return moments


def test_every_five_minutes():
    start = datetime(2024, 3, 10, 12, 2, 30)
    assert fires("0 */5 * * * *", start, 3) == [
        datetime(2024, 3, 10, 12, 5),
        datetime(2024, 3, 10, 12, 10),
        datetime(2024, 3, 10, 12, 15),
    ]


def test_next_is_strictly_after_an_occurrence():
    assert next_fire("0 */5 * * * *", datetime(2024, 3, 10, 12, 5)) == datetime(2024, 3, 10, 12, 10)
    assert next_fire("* * * * * *", datetime(2024, 3, 10, 12, 5, 0, 500_000)) == datetime(
        2024, 3, 10, 12, 5, 1
    )


def test_hour_rolls_over_into_the_next_day_and_year():
    assert next_fire("0 0 * * * *", datetime(2024, 12, 31, 23, 30)) == datetime(2025, 1, 1)
    assert next_fire("30 59 23 31 12 *", datetime(2024, 12, 31, 23, 59, 30)) == datetime(
        2025, 12, 31, 23, 59, 30
    )


def test_specific_weekday_and_hour():
    # 2024-03-08 is a Friday; weekdays 1-5 at 09:30 next fire on Monday.
    friday_evening = datetime(2024, 3, 8, 18)
    assert next_fire("0 30 9 * * 1-5", friday_evening) == datetime(2024, 3, 11, 9, 30)
    assert next_fire("0 0 9 * * Mon", friday_evening) == datetime(2024, 3, 11, 9)
    assert next_fire("0 0 9 * * monday", friday_evening) == datetime(2024, 3, 11, 9)


def test_sunday_is_zero():
    assert next_fire("0 0 12 * * 0", datetime(2024, 3, 8)) == datetime(2024, 3, 10, 12)
    assert next_fire("0 0 12 * * Sun", datetime(2024, 3, 8)) == datetime(2024, 3, 10, 12)


def test_ranges_with_steps():
    assert fires("0 10-40/15 * * * *", datetime(2024, 1, 1, 8), 4) == [
        datetime(2024, 1, 1, 8, 10),
        datetime(2024, 1, 1, 8, 25),
        datetime(2024, 1, 1, 8, 40),
        datetime(2024, 1, 1, 9, 10),
    ]
    # "a/n" runs from a to the field's maximum.
    assert fires("0 0 20/2 * * *", datetime(2024, 1, 1, 12), 3) == [
        datetime(2024, 1, 1, 20),
        datetime(2024, 1, 1, 22),
        datetime(2024, 1, 2, 20),
    ]


def test_lists_mixing_values_and_ranges():
    assert fires("0 0 8,12-13,18 * * *", datetime(2024, 1, 1), 5) == [
        datetime(2024, 1, 1, 8),
        datetime(2024, 1, 1, 12),
        datetime(2024, 1, 1, 13),
        datetime(2024, 1, 1, 18),
        datetime(2024, 1, 2, 8),
    ]


def test_day_31_skips_shorter_months():
    assert fires("0 0 0 31 * *", datetime(2024, 3, 31, 1), 2) == [
        datetime(2024, 5, 31),
        datetime(2024, 7, 31),
    ]


def test_february_29_waits_for_a_leap_year():
    assert next_fire("0 0 0 29 2 *", datetime(2023, 3, 1)) == datetime(2024, 2, 29)


def test_month_names_and_first_of_month():
    assert next_fire("0 0 0 1 Jan,Jul *", datetime(2024, 2, 15)) == datetime(2024, 7, 1)


def test_day_of_month_and_day_of_week_must_both_match():
    # NCrontab ANDs the two day fields (cron would OR them): the next Friday the 13th.
    assert next_fire("0 0 0 13 * 5", datetime(2024, 1, 1)) == datetime(2024, 9, 13)


def test_five_fields_mean_second_zero():
    assert next_fire("*/5 * * * *", datetime(2024, 1, 1, 0, 2, 30)) == datetime(2024, 1, 1, 0, 5)


def test_time_zone_is_kept():
    china = timezone(timedelta(hours=8))
    assert next_fire("0 0 9 * * *", datetime(2024, 1, 1, 10, tzinfo=china)) == datetime(
        2024, 1, 2, 9, tzinfo=china
    )


def test_a_parsed_schedule_is_reusable():
    schedule = parse_schedule("0 0 */6 * * *")
    assert next_fire(schedule, datetime(2024, 1, 1, 1)) == datetime(2024, 1, 1, 6)
    assert schedule.next_after(datetime(2024, 1, 1, 18)) == datetime(2024, 1, 2)


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("", "expected 6 fields"),
        ("* * * *", "expected 6 fields, got 4"),
        ("0 0 0 * * * *", "expected 6 fields, got 7"),
        ("60 * * * * *", "second field '60': 60 is outside 0-59"),
        ("0 0 24 * * *", "hour field '24': 24 is outside 0-23"),
        ("0 0 0 0 * *", "day field '0': 0 is outside 1-31"),
        ("0 0 0 * 13 *", "month field '13': 13 is outside 1-12"),
        ("0 0 0 * * 7", "day-of-week field '7': 7 is outside 0-6"),
        ("*/0 * * * * *", "second field '*/0': step must be at least 1"),
        ("0 */x * * * *", "minute field '*/x': step 'x' is not a number"),
        ("0 0 0 * * Funday", "'Funday' is not a day-of-week name"),
        ("0 0 Noon * * *", "hour field 'Noon': 'Noon' is not a number between 0 and 23"),
        ("0 0 1,,2 * * *", "hour field '1,,2': empty value in a list"),
        ("0 0 -1 * * *", "hour field '-1'"),
    ],
)
def test_invalid_schedules_say_what_is_wrong(schedule, message):
    with pytest.raises(ValueError, match="is not a valid NCRONTAB schedule") as error:
        parse_schedule(schedule)
    assert message in str(error.value)


def test_a_schedule_that_never_fires_is_an_error():
    with pytest.raises(ValueError, match="never fires"):
        next_fire("0 0 0 31 2 *", datetime(2024, 1, 1))
