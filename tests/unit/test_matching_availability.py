"""Availability windows against a need's urgency, on a frozen clock, in real time zones."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from mutualaid.matching.availability import When, fits, horizon_for, parse, zone

NY = ZoneInfo("America/New_York")
HOURS = {"now": 3, "today": 12}


def avail(*windows, any_time=False) -> str:
    return json.dumps({"any_time": any_time, "windows": list(windows)})


def window(days, start, end):
    return {"days": days, "start": start, "end": end}


def at(y, mo, d, h, mi=0, tz=NY) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=tz).astimezone(UTC)


# Wednesday 25 Nov 2026.
WED_10 = at(2026, 11, 25, 10)
WED_EVENINGS = avail(window([2], "18:00", "21:00"))


def check(availability, urgency, now, tz=NY):
    return fits(availability, horizon_for(urgency, now, tz, HOURS))


def test_any_time_fits_every_urgency():
    for urgency in ("now", "today", "week", "flexible"):
        assert check(json.dumps({"any_time": True}), urgency, WED_10) == When("any_time")
    assert check(None, "now", WED_10) == When("any_time")


def test_now_needs_a_window_within_the_next_three_hours():
    assert check(WED_EVENINGS, "now", WED_10) is None
    assert check(WED_EVENINGS, "now", at(2026, 11, 25, 15, 30)) == When("day", 0, "evening")
    assert check(WED_EVENINGS, "now", at(2026, 11, 25, 19)) == When("now")
    # The window has ended.
    assert check(WED_EVENINGS, "now", at(2026, 11, 25, 21)) is None


def test_today_looks_twelve_hours_ahead_and_across_midnight():
    assert check(WED_EVENINGS, "today", WED_10) == When("day", 0, "evening")
    thursday_mornings = avail(window([3], "08:00", "10:00"))
    assert check(thursday_mornings, "today", WED_10) is None
    # 22:00 Wednesday + 12 h reaches 10:00 Thursday.
    assert check(thursday_mornings, "today", at(2026, 11, 25, 22)) == When("day", 1, "morning")


def test_week_and_flexible_accept_any_window_and_name_the_next_one():
    monday = avail(window([0], "09:00", "11:00"))
    assert check(monday, "week", WED_10) == When("weekday", 0, "morning")
    assert check(monday, "flexible", WED_10) == When("weekday", 0, "morning")
    # Today's window is the next one, even if it is over for today: "that week".
    assert check(avail(window([2], "07:00", "08:00")), "week", WED_10) == When(
        "weekday", 2, "morning"
    )
    assert check(avail(), "week", WED_10) is None


def test_overnight_windows_run_past_midnight():
    nights = avail(window([1], "22:00", "02:00"))  # Tuesday night into Wednesday
    assert parse(nights) == ((1, 1320, 1440), (2, 0, 120))
    assert check(nights, "now", at(2026, 11, 25, 1)) == When("now")
    assert check(nights, "now", at(2026, 11, 25, 3)) is None


def test_the_areas_time_zone_decides_what_the_next_hours_are():
    now = datetime(2026, 11, 25, 23, 30, tzinfo=UTC)  # 18:30 NY, 15:30 LA, 08:30 Tokyo (Thu)
    assert check(WED_EVENINGS, "now", now, NY) == When("now")
    assert check(WED_EVENINGS, "now", now, ZoneInfo("America/Los_Angeles")) == When(
        "day", 0, "evening"
    )
    assert check(WED_EVENINGS, "now", now, ZoneInfo("Asia/Tokyo")) is None


def test_horizon_uses_wall_clock_hours_across_a_dst_change():
    # 8 March 2026: New York springs forward at 02:00. 23:00 Saturday + 3 h = 03:00 Sunday.
    sunday_early = avail(window([6], "02:30", "03:30"))  # 02:30 does not exist that day
    h = horizon_for("now", at(2026, 3, 7, 23), NY, HOURS)
    assert [(s.weekday, s.start, s.end) for s in h.segments] == [(5, 1380, 1440), (6, 0, 180)]
    assert fits(sunday_early, h) == When("day", 1, "night")


def test_malformed_windows_make_nobody_available_and_never_crash():
    assert parse("not json") == ()
    assert parse(json.dumps([1, 2])) == ()
    bad = avail(
        window([9], "10:00", "11:00"),
        window([2], "25:00", "26:00"),
        window("2", "10:00", "11:00"),
        window([True], "10:00", "11:00"),
        {"start": "10:00"},
    )
    assert parse(bad) == ()
    assert check(bad, "week", WED_10) is None
    assert parse(avail(window([2], "10:00", "24:00"))) == ((2, 600, 1440),)


def test_unknown_time_zone_falls_back_to_the_default():
    assert zone("Mars/Olympus", "America/New_York") == NY
    assert zone(None, "America/New_York") == NY


def test_now_must_be_aware():
    with pytest.raises(ValueError):
        horizon_for("now", datetime(2026, 11, 25, 10), NY, HOURS)
