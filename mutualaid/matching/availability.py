"""Availability: does an offer's weekly schedule fit a need's urgency, and when is the helper free?

An offer's availability is ``{"any_time": true}`` or ``{"any_time": false, "windows":
[{"days": [0..6], "start": "HH:MM", "end": "HH:MM"}]}`` with Monday = 0 and times in the
area's local time (wall clock). A window whose end is not after its start runs past
midnight into the next day; "24:00" means midnight at the end of the day.

- "now" / "today": some window must overlap the next ``horizon_hours`` hours, computed in
  the area's time zone (so DST days have their real wall-clock hours).
- "week" / "flexible": any window in the week will do.

Pure functions: the caller passes the clock and the time zone.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MINUTES_PER_DAY = 24 * 60
PARTS = (  # (starts at minute, name); a day's part is the last one started
    (0, "night"),
    (5 * 60, "morning"),
    (12 * 60, "afternoon"),
    (17 * 60, "evening"),
    (21 * 60, "night"),
)


class Segment(NamedTuple):
    """Part of the need's horizon within one local day: minutes [start, end)."""

    day_offset: int  # 0 = today (local), 1 = tomorrow
    weekday: int  # Monday = 0
    start: int
    end: int


class Horizon(NamedTuple):
    """When a need wants help, in local wall-clock terms. ``segments`` is None for
    "week"/"flexible" (any window in the week counts)."""

    segments: tuple[Segment, ...] | None
    weekday: int  # local weekday of "now"


class When(NamedTuple):
    """Why an offer fits: "any_time", "now", or a day (0 today, 1 tomorrow, or for week
    needs the weekday) and a part of the day."""

    kind: str  # "any_time" | "now" | "day" (day_offset) | "weekday" (weekday)
    day: int = 0
    part: str = ""


def zone(name: str | None, default: str) -> ZoneInfo:
    """The named time zone, or ``default`` when the name is empty or unknown."""
    for candidate in (name, default):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def part_of_day(minute: int) -> str:
    name = PARTS[0][1]
    for start, part in PARTS:
        if minute >= start:
            name = part
    return name


def horizon_for(
    urgency: str, now: datetime, tz: ZoneInfo, horizon_hours: Mapping[str, float]
) -> Horizon:
    """The need's horizon: for "now"/"today" the next ``horizon_hours[urgency]`` hours cut
    into local days; otherwise the whole week."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local_now = now.astimezone(tz)
    if urgency not in horizon_hours:
        return Horizon(None, local_now.weekday())
    local_end = (now + timedelta(hours=horizon_hours[urgency])).astimezone(tz)
    segments = []
    day, offset = local_now.date(), 0
    start = local_now.hour * 60 + local_now.minute
    while day <= local_end.date():
        end = (
            local_end.hour * 60 + local_end.minute + (1 if local_end.second else 0)
            if day == local_end.date()
            else MINUTES_PER_DAY
        )
        if end > start:
            segments.append(Segment(offset, day.weekday(), start, end))
        day, offset, start = day + timedelta(days=1), offset + 1, 0
    return Horizon(tuple(segments), local_now.weekday())


def _minute(text: object) -> int | None:
    if not isinstance(text, str) or len(text) != 5 or text[2] != ":":
        return None
    hh, mm = text[:2], text[3:]
    if not (hh.isdecimal() and mm.isdecimal()):
        return None
    h, m = int(hh), int(mm)
    if m > 59 or h > 24 or (h == 24 and m):
        return None
    return h * 60 + m


@lru_cache(maxsize=4096)
def parse(availability: str | None) -> tuple[tuple[int, int, int], ...] | None:
    """Weekly intervals ``(weekday, start, end)`` with overnight windows split at midnight;
    None means any time. Malformed windows are ignored (they make nobody available)."""
    if availability is None:
        return None
    try:
        data = json.loads(availability)
    except ValueError:
        return ()
    if not isinstance(data, dict):
        return ()
    if data.get("any_time", False) is True:
        return None
    intervals: list[tuple[int, int, int]] = []
    windows = data.get("windows")
    for window in windows if isinstance(windows, list) else ():
        if not isinstance(window, dict) or not isinstance(window.get("days"), list):
            continue
        start, end = _minute(window.get("start")), _minute(window.get("end"))
        if start is None or end is None or start == MINUTES_PER_DAY:
            continue
        for day in window["days"]:
            if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
                continue
            if end > start:
                intervals.append((day, start, end))
            else:  # runs past midnight
                intervals.append((day, start, MINUTES_PER_DAY))
                if end > 0:
                    intervals.append(((day + 1) % 7, 0, end))
    return tuple(sorted(set(intervals)))


def as_text(availability: object) -> str | None:
    """Availability as JSON text (the cache key of :func:`parse`)."""
    if availability is None or isinstance(availability, str):
        return availability
    return json.dumps(availability, sort_keys=True)


@lru_cache(maxsize=16384)
def fits(availability: str | None, horizon: Horizon) -> When | None:
    """When the offer's helper is free within the need's horizon, or None if they are not."""
    intervals = parse(availability)
    if intervals is None:
        return When("any_time")
    if not intervals:
        return None
    if horizon.segments is None:
        # Any window in the week: report the next one, starting today.
        for ahead in range(7):
            weekday = (horizon.weekday + ahead) % 7
            for day, start, _end in intervals:
                if day == weekday:
                    return When("weekday", weekday, part_of_day(start))
        return None  # pragma: no cover - intervals always name a weekday
    for i, seg in enumerate(horizon.segments):
        best = None
        for day, start, end in intervals:
            if day == seg.weekday and start < seg.end and end > seg.start:
                begin = max(start, seg.start)
                if best is None or begin < best:
                    best = begin
        if best is not None:
            if i == 0 and best == seg.start:
                return When("now")
            return When("day", seg.day_offset, part_of_day(best))
    return None
