""".NET TimeSpan strings, the way host.json and TimeSpan timer schedules write durations.

Accepted: ``hh:mm``, ``hh:mm:ss``, ``hh:mm:ss.fffffff``, ``d.hh:mm:ss[.fffffff]`` and a bare
``d`` (whole days, as .NET reads it).
"""

from __future__ import annotations

import re
from datetime import timedelta

_TIMESPAN = re.compile(
    r"^(?:(?P<days>\d+)\.)?(?P<hours>\d{1,2}):(?P<minutes>\d{1,2})"
    r"(?::(?P<seconds>\d{1,2})(?:\.(?P<fraction>\d{1,7}))?)?$"
)


def parse_timespan(text: str) -> timedelta:
    """The duration ``text`` denotes; ``ValueError`` naming the text if it is not a TimeSpan."""
    stripped = text.strip()
    if stripped.isdigit():
        return timedelta(days=int(stripped))
    match = _TIMESPAN.match(stripped)
    if match is None:
        raise ValueError(f"{text!r} is not a TimeSpan (expected [d.]hh:mm[:ss[.fffffff]])")
    hours, minutes = int(match["hours"]), int(match["minutes"])
    seconds = int(match["seconds"] or 0)
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"{text!r} is not a TimeSpan (hours 0-23, minutes and seconds 0-59)")
    fraction = float(f"0.{match['fraction']}") if match["fraction"] else 0.0
    return timedelta(
        days=int(match["days"] or 0),
        hours=hours,
        minutes=minutes,
        seconds=seconds + fraction,
    )
