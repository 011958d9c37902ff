"""Metrics for coordinators: how fast needs get an invitation, a pod and a resolution
(median and 90th percentile), how many are never invited, and how many texts reach their
recipient; in total, by week, by category and by area.

What is counted:
- Needs posted in the window, in the viewer's areas (admins: every need; either can narrow
  to one area). Durations are hours from posting to ``first_invited_at``,
  ``pod_formed_at`` and ``resolved_at``; a need that has not got there yet has no duration.
- Unmatched rate: needs never invited / needs not cancelled.
- SMS delivery rate: outbound texts created in the window with a final carrier status,
  delivered / (delivered + undelivered + failed). Texts still queued or sent (no receipt
  yet) and cancelled ones are left out. A text belongs to the area (and category) of its
  need, else of its pod's need, else to its recipient's home area; a text that maps to no
  area counts for admins only.
- Weeks start on Monday 00:00 UTC; the weekly table covers the window's last
  :data:`WEEKS` weeks.

The database does the heavy part: durations come back as hours computed in SQL (no
datetime parsing per row), texts are counted with GROUP BY. Percentiles are taken in Python
over the window's needs (bounded by the window: 10,000 needs are a few milliseconds).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Integer, cast, extract, func, literal, select, true
from sqlalchemy.orm import Session, aliased

from mutualaid.models import Need, Person, Pod, SmsMessage, utcnow
from mutualaid.models.base import UTCDateTime
from mutualaid.models.messages import OUTBOUND, SMS_DELIVERED, SMS_FAILED, SMS_UNDELIVERED
from mutualaid.models.needs import STATUS_CANCELLED
from mutualaid.policy import area_ids

WEEKS = 12
HOURS_PER_WEEK = 7 * 24
FINAL_SMS = (SMS_DELIVERED, SMS_UNDELIVERED, SMS_FAILED)


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (q in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Durations:
    values: list[float] = field(default_factory=list)
    _ordered: list[float] | None = field(default=None, repr=False, compare=False)

    def _at(self, q: float) -> float | None:
        """Nearest-rank percentile, sorting once (the page asks several times)."""
        if self._ordered is None or len(self._ordered) != len(self.values):
            self._ordered = sorted(self.values)
        if not self._ordered:
            return None
        return self._ordered[max(1, math.ceil(q / 100 * len(self._ordered))) - 1]

    @property
    def median(self) -> float | None:
        return self._at(50)

    @property
    def p90(self) -> float | None:
        return self._at(90)


@dataclass
class AreaMetrics:
    """One row of the report: a total, a week, a category or an area."""

    label: str
    key: object = None
    needs: int = 0
    cancelled: int = 0
    unmatched: int = 0
    to_invite: Durations = field(default_factory=Durations)
    to_pod: Durations = field(default_factory=Durations)
    to_resolved: Durations = field(default_factory=Durations)
    sms_delivered: int = 0
    sms_undelivered: int = 0
    sms_failed: int = 0

    @property
    def unmatched_rate(self) -> float | None:
        counted = self.needs - self.cancelled
        return self.unmatched / counted if counted > 0 else None

    @property
    def sms_final(self) -> int:
        return self.sms_delivered + self.sms_undelivered + self.sms_failed

    @property
    def sms_delivery_rate(self) -> float | None:
        return self.sms_delivered / self.sms_final if self.sms_final else None


@dataclass
class MetricsReport:
    since: datetime
    days: int
    total: AreaMetrics
    weeks: list[AreaMetrics]  # oldest first; key: the Monday the week starts
    categories: list[AreaMetrics]  # key: category key
    areas: list[AreaMetrics]  # key: area id (None: outside every area)

    @property
    def longest(self) -> float:
        """The longest 90th percentile shown, for scaling the bars."""
        rows = [self.total, *self.categories, *self.areas]
        values = [v for r in rows for v in (r.to_invite.p90, r.to_pod.p90, r.to_resolved.p90)]
        return max([v for v in values if v] or [1.0])


def _hours(session: Session, later, earlier):
    """Hours from ``earlier`` to ``later`` computed by the database (NULL stays NULL)."""
    if session.get_bind().dialect.name == "postgresql":
        return extract("epoch", later - earlier) / 3600.0
    return (func.julianday(later) - func.julianday(earlier)) * 24.0


def _week_index(session: Session, hours):
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(hours / HOURS_PER_WEEK), Integer)
    return cast(hours / HOURS_PER_WEEK, Integer)  # hours >= 0: truncation is floor


def _week_start(moment: datetime) -> datetime:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def report(
    session: Session,
    viewer: Person,
    *,
    days: int = 84,
    area_id: int | None = None,
    now: datetime | None = None,
    area_names: dict[int, str] | None = None,
    total_label: str = "",
) -> MetricsReport:
    """The metrics for needs (and texts) of the last ``days`` in the viewer's areas, or in
    ``area_id`` only (which must be one of them; the caller checks)."""
    now = now or utcnow()
    since = now - timedelta(days=days)
    anchor = _week_start(since)
    anchor_value = literal(anchor, UTCDateTime())
    ids = area_ids(viewer)
    if area_id is not None:
        ids = [area_id]

    total = AreaMetrics(total_label)
    weeks: dict[int, AreaMetrics] = {}
    by_category: dict[str, AreaMetrics] = {}
    by_area: dict[int | None, AreaMetrics] = {}

    def rows_for(week: int | None, category: str | None, area: int | None) -> list[AreaMetrics]:
        out = [total]
        if week is not None:
            out.append(weeks.setdefault(week, AreaMetrics("", week)))
        if category is not None:
            out.append(by_category.setdefault(category, AreaMetrics(category, category)))
        out.append(by_area.setdefault(area, AreaMetrics("", area)))
        return out

    since_hours = _hours(session, Need.created_at, anchor_value)
    need_stmt = select(
        Need.area_id,
        Need.category,
        Need.status,
        _week_index(session, since_hours),
        _hours(session, Need.first_invited_at, Need.created_at),
        _hours(session, Need.pod_formed_at, Need.created_at),
        _hours(session, Need.resolved_at, Need.created_at),
    ).where(Need.created_at >= since)
    if ids is not None:
        need_stmt = need_stmt.where(Need.area_id.in_(ids))
    # Rows are first gathered per (week, category, area) cell (a handful), then each cell is
    # added to its total, week, category and area rows: one dict lookup per need.
    cells: dict[tuple, AreaMetrics] = {}
    for area, category, status, week, invite, formed, resolved in session.execute(need_stmt):
        cell = cells.get((week, category, area))
        if cell is None:
            cell = cells[(week, category, area)] = AreaMetrics("")
        cell.needs += 1
        if status == STATUS_CANCELLED:
            cell.cancelled += 1
        elif invite is None:
            cell.unmatched += 1
        if invite is not None:
            cell.to_invite.values.append(max(0.0, float(invite)))
        if formed is not None:
            cell.to_pod.values.append(max(0.0, float(formed)))
        if resolved is not None:
            cell.to_resolved.values.append(max(0.0, float(resolved)))
    for (week, category, area), cell in cells.items():
        for m in rows_for(week, category, area):
            m.needs += cell.needs
            m.cancelled += cell.cancelled
            m.unmatched += cell.unmatched
            m.to_invite.values.extend(cell.to_invite.values)
            m.to_pod.values.extend(cell.to_pod.values)
            m.to_resolved.values.extend(cell.to_resolved.values)

    direct = aliased(Need)
    via_pod = aliased(Need)
    text_area = func.coalesce(direct.area_id, via_pod.area_id, Person.home_area_id)
    text_category = func.coalesce(direct.category, via_pod.category)
    text_week = _week_index(session, _hours(session, SmsMessage.created_at, anchor_value))
    sms_stmt = (
        select(text_area, text_category, text_week, SmsMessage.status, func.count())
        .select_from(SmsMessage)
        .outerjoin(direct, direct.id == SmsMessage.need_id)
        .outerjoin(Pod, Pod.id == SmsMessage.pod_id)
        .outerjoin(via_pod, via_pod.id == Pod.need_id)
        .outerjoin(Person, Person.id == SmsMessage.person_id)
        .where(
            SmsMessage.direction == OUTBOUND,
            SmsMessage.status.in_(FINAL_SMS),
            SmsMessage.created_at >= since,
            text_area.in_(ids) if ids is not None else true(),
        )
        .group_by(text_area, text_category, text_week, SmsMessage.status)
    )
    for area, category, week, status, count in session.execute(sms_stmt):
        for m in rows_for(week, category, area):
            if status == SMS_DELIVERED:
                m.sms_delivered += count
            elif status == SMS_UNDELIVERED:
                m.sms_undelivered += count
            else:
                m.sms_failed += count

    last = int((now - anchor).total_seconds() // (HOURS_PER_WEEK * 3600))
    week_rows = []
    for index in range(max(0, last - WEEKS + 1), last + 1):
        row = weeks.get(index) or AreaMetrics("", index)
        start = anchor + timedelta(weeks=index)
        row.key, row.label = start, start.date().isoformat()
        week_rows.append(row)
    names = area_names or {}
    area_rows = []
    for key, row in by_area.items():
        row.label = names.get(key, "") if key is not None else ""
        area_rows.append(row)
    area_rows.sort(key=lambda r: (r.key is None, r.label))
    return MetricsReport(
        since=since,
        days=days,
        total=total,
        weeks=week_rows,
        categories=sorted(by_category.values(), key=lambda r: r.label),
        areas=area_rows,
    )
