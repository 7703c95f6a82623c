"""NCRONTAB schedules, as the Functions host reads a timer trigger's ``schedule``.

The host uses the NCrontab library with seconds: ``sec min hour day month day-of-week``.
Its rules differ from Vixie cron in ways that change when a timer fires, so they are kept:

- a day must match *both* the day-of-month and the day-of-week fields (cron ORs them);
- day of week is 0-6 with 0 = Sunday (7 is an error); names match by case-insensitive prefix
  of the English name (``Mon``, ``monday``), months likewise (``Jan``);
- ``a/n`` means ``a-max/n``; a reversed range ``5-2`` is read as ``2-5``;
- five fields are read as a schedule without seconds (second 0).

Devhost is stricter in one place: a step of 0 is refused rather than silently read as 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Search this far ahead before declaring that a schedule never fires ("0 0 0 31 2 *").
_SEARCH_YEARS = 400


@dataclass(frozen=True)
class _FieldKind:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()


_SECOND = _FieldKind("second", 0, 59)
_MINUTE = _FieldKind("minute", 0, 59)
_HOUR = _FieldKind("hour", 0, 23)
_DAY = _FieldKind("day", 1, 31)
_MONTH = _FieldKind(
    "month",
    1,
    12,
    (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
)  # fmt: skip
_DAY_OF_WEEK = _FieldKind(
    "day-of-week",
    0,
    6,
    ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"),
)
_FIELDS = (_SECOND, _MINUTE, _HOUR, _DAY, _MONTH, _DAY_OF_WEEK)


class _FieldError(ValueError):
    pass


@dataclass(frozen=True)
class CronSchedule:
    """A parsed schedule: the set of allowed values of each field."""

    text: str
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]

    def next_after(self, after: datetime) -> datetime:
        """The first occurrence strictly after ``after``, in the same time zone (wall clock)."""
        tzinfo = after.tzinfo
        moment = after.replace(tzinfo=None, microsecond=0) + timedelta(seconds=1)
        last_year = after.year + _SEARCH_YEARS
        while moment.year <= last_year:
            if moment.month not in self.months:
                moment = _first_of_next_month(moment)
            elif moment.day not in self.days or _cron_weekday(moment) not in self.days_of_week:
                moment = moment.replace(hour=0, minute=0, second=0) + timedelta(days=1)
            elif moment.hour not in self.hours:
                moment = moment.replace(minute=0, second=0) + timedelta(hours=1)
            elif moment.minute not in self.minutes:
                moment = moment.replace(second=0) + timedelta(minutes=1)
            elif moment.second not in self.seconds:
                moment += timedelta(seconds=1)
            else:
                return moment.replace(tzinfo=tzinfo)
        raise ValueError(
            f"schedule {self.text!r} never fires (no occurrence in {_SEARCH_YEARS} years)"
        )


def parse_schedule(text: str) -> CronSchedule:
    """Parse a six-field (or five-field) NCRONTAB expression; ``ValueError`` says what is wrong."""
    tokens = text.split()
    if len(tokens) == 5:
        tokens = ["0", *tokens]
    if len(tokens) != 6:
        raise ValueError(
            f"{text!r} is not a valid NCRONTAB schedule: expected 6 fields, got {len(tokens)} "
            f"(second minute hour day month day-of-week)"
        )
    values: list[frozenset[int]] = []
    for kind, token in zip(_FIELDS, tokens, strict=True):
        try:
            values.append(_parse_field(kind, token))
        except _FieldError as error:
            raise ValueError(
                f"{text!r} is not a valid NCRONTAB schedule: {kind.name} field {token!r}: {error}"
            ) from None
    return CronSchedule(text, *values)


def next_fire(schedule: str | CronSchedule, after: datetime) -> datetime:
    """When a timer with ``schedule`` fires next, strictly after ``after`` (same tzinfo)."""
    parsed = parse_schedule(schedule) if isinstance(schedule, str) else schedule
    return parsed.next_after(after)


def _parse_field(kind: _FieldKind, token: str) -> frozenset[int]:
    allowed: set[int] = set()
    for part in token.split(","):
        allowed.update(_parse_part(kind, part))
    return frozenset(allowed)


def _parse_part(kind: _FieldKind, part: str) -> range:
    if not part:
        raise _FieldError("empty value in a list")
    step, has_step = 1, "/" in part
    if has_step:
        part, step_text = part.split("/", 1)
        if not step_text.isdigit():
            raise _FieldError(f"step {step_text!r} is not a number")
        step = int(step_text)
        if step == 0:
            raise _FieldError("step must be at least 1")
    if part == "*":
        return range(kind.low, kind.high + 1, step)
    if "-" in part[1:]:
        first_text, last_text = part.split("-", 1)
        first, last = _parse_value(kind, first_text), _parse_value(kind, last_text)
        first, last = min(first, last), max(first, last)
        return range(first, last + 1, step)
    value = _parse_value(kind, part)
    # "a/n" runs from a to the field's maximum, every n.
    return range(value, kind.high + 1, step) if has_step else range(value, value + 1)


def _parse_value(kind: _FieldKind, text: str) -> int:
    if text.isdigit():
        value = int(text)
    elif text[:1].isalpha() and kind.names:
        lowered = text.lower()
        matches = [i for i, name in enumerate(kind.names) if name.lower().startswith(lowered)]
        if not matches:
            raise _FieldError(f"{text!r} is not a {kind.name} name (use {', '.join(kind.names)})")
        value = kind.low + matches[0]
    else:
        raise _FieldError(f"{text!r} is not a number between {kind.low} and {kind.high}")
    if not kind.low <= value <= kind.high:
        raise _FieldError(f"{value} is outside {kind.low}-{kind.high}")
    return value


def _cron_weekday(moment: datetime) -> int:
    return (moment.weekday() + 1) % 7  # Python: Monday=0; NCRONTAB: Sunday=0


def _first_of_next_month(moment: datetime) -> datetime:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    return datetime(year, month, 1)
