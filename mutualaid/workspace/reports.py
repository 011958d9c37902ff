"""Gaps, map and metrics for coordinators.

Offers carry no area; an offer counts for an area when its point lies within the area's
radius (bounding box in SQL on the (status, lat, lng) index, exact distance in Python).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from mutualaid.geo.distance import haversine_km
from mutualaid.models import Area, Need, Offer, OfferCategory, Person, utcnow
from mutualaid.models.needs import ACTIVE_STATUSES
from mutualaid.models.offers import OFFER_ACTIVE
from mutualaid.workspace.scope import area_ids

KM_PER_DEG_LAT = 111.32


def areas_for(session: Session, viewer: Person) -> list[Area]:
    ids = area_ids(viewer)
    stmt = select(Area).order_by(Area.name)
    if ids is not None:
        stmt = stmt.where(Area.id.in_(ids))
    return list(session.scalars(stmt))


def _bbox(area: Area) -> tuple[float, float, float, float]:
    dlat = area.radius_km / KM_PER_DEG_LAT
    dlng = area.radius_km / (KM_PER_DEG_LAT * max(0.01, math.cos(math.radians(area.center_lat))))
    return (
        area.center_lat - dlat,
        area.center_lat + dlat,
        area.center_lng - dlng,
        area.center_lng + dlng,
    )


def offers_in_area(session: Session, area: Area) -> list[tuple[int, float, float, float, float]]:
    """(offer id, lat, lng, public lat, public lng) of active offers within the area."""
    lo_lat, hi_lat, lo_lng, hi_lng = _bbox(area)
    rows = session.execute(
        select(Offer.id, Offer.lat, Offer.lng, Offer.public_lat, Offer.public_lng).where(
            Offer.status == OFFER_ACTIVE,
            Offer.lat.between(lo_lat, hi_lat),
            Offer.lng.between(lo_lng, hi_lng),
        )
    ).all()
    return [
        tuple(r)
        for r in rows
        if haversine_km(r.lat, r.lng, area.center_lat, area.center_lng) <= area.radius_km
    ]


@dataclass
class Gap:
    area: Area
    category: str
    open_needs: int
    unmatched: int
    offers: int

    @property
    def missing_helpers(self) -> bool:
        return self.open_needs > 0 and (self.offers == 0 or self.unmatched > 0)

    @property
    def ratio(self) -> float:
        return self.open_needs / self.offers if self.offers else float(self.open_needs)


def gaps(session: Session, viewer: Person) -> list[Gap]:
    """One row per (area, category) with open needs or active offers; worst gaps first."""
    out: list[Gap] = []
    for area in areas_for(session, viewer):
        need_rows = session.execute(
            select(
                Need.category,
                func.count(),
                func.sum(case((Need.unmatched_reason != "", 1), else_=0)),
            )
            .where(Need.area_id == area.id, Need.status.in_(ACTIVE_STATUSES))
            .group_by(Need.category)
        ).all()
        needs = {cat: (int(n), int(u or 0)) for cat, n, u in need_rows}
        ids = [row[0] for row in offers_in_area(session, area)]
        offers: Counter[str] = Counter()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for cat, n in session.execute(
                select(OfferCategory.category, func.count())
                .where(OfferCategory.offer_id.in_(chunk))
                .group_by(OfferCategory.category)
            ):
                offers[cat] += n
        for cat in sorted(set(needs) | set(offers)):
            n, u = needs.get(cat, (0, 0))
            out.append(Gap(area, cat, n, u, offers.get(cat, 0)))
    out.sort(key=lambda g: (not g.missing_helpers, -g.ratio, g.area.name, g.category))
    return out


@dataclass
class MapPin:
    need_id: int
    code: str
    category: str
    lat: float
    lng: float


@dataclass
class MapView:
    area: Area
    needs: list[tuple[float, float]]
    offers: list[tuple[float, float]]
    grid: list[list[tuple[int, int]]]  # rows north->south of (needs, offers) per cell
    size: int
    pins: list[MapPin] = field(default_factory=list)  # the needs, at the positions shown
    exact: bool = False

    def project(self, lat: float, lng: float, width: int = 300) -> tuple[float, float]:
        lo_lat, hi_lat, lo_lng, hi_lng = _bbox(self.area)
        x = (lng - lo_lng) / (hi_lng - lo_lng) * width
        y = (hi_lat - lat) / (hi_lat - lo_lat) * width
        return round(x, 1), round(y, 1)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(south, north, west, east) of the area's bounding box."""
        return _bbox(self.area)


def map_view(session: Session, area: Area, *, size: int = 8, exact: bool = False) -> MapView:
    """Positions of the area's active needs (snapped public ones; exact ones when ``exact``,
    which the caller allows only for the area's coordinators) and offers (always snapped),
    and a size x size grid of counts (offer density; the no-JavaScript heat table)."""
    rows = session.execute(
        select(
            Need.id, Need.code, Need.category, Need.public_lat, Need.public_lng, Need.lat, Need.lng
        )
        .where(
            Need.area_id == area.id,
            Need.status.in_(ACTIVE_STATUSES),
            Need.public_lat.is_not(None),
        )
        .order_by(Need.id)
    ).all()
    pins = [
        MapPin(i, code, cat, lat, lng)
        if exact and lat is not None and lng is not None
        else MapPin(i, code, cat, plat, plng)
        for i, code, cat, plat, plng, lat, lng in rows
    ]
    needs = [(p.lat, p.lng) for p in pins]
    offers = [(plat, plng) for _i, _a, _b, plat, plng in offers_in_area(session, area) if plat]
    lo_lat, hi_lat, lo_lng, hi_lng = _bbox(area)
    counts = [[[0, 0] for _ in range(size)] for _ in range(size)]

    def cell(lat: float, lng: float) -> tuple[int, int] | None:
        r = int((hi_lat - lat) / (hi_lat - lo_lat) * size)
        c = int((lng - lo_lng) / (hi_lng - lo_lng) * size)
        if 0 <= r < size and 0 <= c < size:
            return r, c
        return None

    for kind, points in ((0, needs), (1, offers)):
        for lat, lng in points:
            rc = cell(lat, lng)
            if rc:
                counts[rc[0]][rc[1]][kind] += 1
    grid = [[(a, b) for a, b in row] for row in counts]
    return MapView(area, needs, offers, grid, size, pins, exact)


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

    @property
    def median(self) -> float | None:
        return percentile(self.values, 50)

    @property
    def p90(self) -> float | None:
        return percentile(self.values, 90)


@dataclass
class AreaMetrics:
    label: str
    needs: int = 0
    unmatched: int = 0
    to_invite: Durations = field(default_factory=Durations)
    to_pod: Durations = field(default_factory=Durations)
    to_resolved: Durations = field(default_factory=Durations)

    @property
    def unmatched_rate(self) -> float | None:
        return self.unmatched / self.needs if self.needs else None


def metrics(
    session: Session,
    viewer: Person,
    *,
    days: int = 90,
    by: str = "area",
    now: datetime | None = None,
) -> list[AreaMetrics]:
    """Hours from posting to first invitation, pod formed and resolved (median, p90), and
    the share of needs never invited (cancelled ones aside), for needs in the viewer's areas
    posted in the last ``days``: a total row, then one row per area or per category."""
    now = now or utcnow()
    since = now - timedelta(days=days)
    areas = areas_for(session, viewer)
    groups: dict[object, AreaMetrics] = {}
    if by == "area":
        groups = {a.id: AreaMetrics(a.name) for a in areas}
    key_column = Need.area_id if by == "area" else Need.category
    stmt = select(
        key_column,
        Need.created_at,
        Need.first_invited_at,
        Need.pod_formed_at,
        Need.resolved_at,
        Need.status,
    ).where(Need.created_at >= since, Need.area_id.in_([a.id for a in areas]))
    totals = AreaMetrics(str(_all_label()))
    for key, created, invited, formed, resolved, status in session.execute(stmt):
        group = groups.get(key)
        if group is None:
            group = groups[key] = AreaMetrics(str(key))
        for m in (group, totals):
            m.needs += 1
            if invited is None and status != "cancelled":
                m.unmatched += 1
            steps = ((invited, m.to_invite), (formed, m.to_pod), (resolved, m.to_resolved))
            for when, bucket in steps:
                if when is not None:
                    bucket.values.append(max(0.0, (when - created).total_seconds() / 3600))
    rest = list(groups.values())
    if by != "area":
        rest.sort(key=lambda m: m.label)
    return [totals, *rest]


def _all_label() -> str:
    from mutualaid.i18n import _

    return _("All my areas")
