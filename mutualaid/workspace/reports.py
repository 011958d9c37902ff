"""Gaps and map for coordinators (metrics: mutualaid.workspace.metrics).

Offers carry no area; an offer counts for an area when its point lies within the area's
radius (bounding box in SQL on the (status, lat, lng) index, exact distance in Python).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from mutualaid.geo.distance import haversine_km
from mutualaid.models import Area, AuditEvent, Need, Offer, OfferCategory, Person, Pod
from mutualaid.models.needs import ACTIVE_STATUSES
from mutualaid.models.offers import OFFER_ACTIVE
from mutualaid.models.pods import POD_ACTIVE, POD_FORMING, POD_STATUSES
from mutualaid.policy import area_filter, area_ids, audit_filter

KM_PER_DEG_LAT = 111.32


def areas_for(session: Session, viewer: Person) -> list[Area]:
    """The areas the viewer looks after, by name (a coordinator's are already loaded)."""
    if area_ids(viewer) is not None:
        return sorted(viewer.areas, key=lambda a: (a.name, a.id))
    return list(session.scalars(select(Area).order_by(Area.name, Area.id)))


def _bbox(area: Area) -> tuple[float, float, float, float]:
    dlat = area.radius_km / KM_PER_DEG_LAT
    dlng = area.radius_km / (KM_PER_DEG_LAT * max(0.01, math.cos(math.radians(area.center_lat))))
    return (
        area.center_lat - dlat,
        area.center_lat + dlat,
        area.center_lng - dlng,
        area.center_lng + dlng,
    )


def offers_in_area(
    session: Session, area: Area
) -> list[tuple[int, float, float, float | None, float | None]]:
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
        (oid, lat, lng, plat, plng)
        for oid, lat, lng, plat, plng in rows
        if lat is not None  # always: the WHERE clause compares lat and lng
        and lng is not None
        and haversine_km(lat, lng, area.center_lat, area.center_lng) <= area.radius_km
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
        if plat is not None and plng is not None  # always: located needs have both
    ]
    needs = [(p.lat, p.lng) for p in pins]
    offers = [
        (plat, plng)
        for _i, _a, _b, plat, plng in offers_in_area(session, area)
        if plat and plng is not None
    ]
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


@dataclass
class AuditPage:
    rows: list[tuple[AuditEvent, Person | None]]
    has_next: bool
    actions: list[str]  # every action recorded, for the filter


def audit_log(
    session: Session, viewer: Person, *, action: str = "", page: int = 1, per_page: int = 100
) -> AuditPage:
    """Newest first, the events the viewer may read (``policy.audit_filter``), optionally
    only those whose action starts with ``action`` ("need." for every need event)."""
    stmt = (
        select(AuditEvent, Person)
        .outerjoin(Person, Person.id == AuditEvent.actor_id)
        .where(audit_filter(viewer))
    )
    if action:
        stmt = stmt.where(AuditEvent.action.like(f"{action}%"))
    rows: list[tuple[AuditEvent, Person | None]] = [
        (event, person)
        for event, person in session.execute(
            stmt.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
            .limit(per_page + 1)
            .offset((max(page, 1) - 1) * per_page)
        )
    ]
    actions = list(
        session.scalars(
            select(AuditEvent.action)
            .group_by(AuditEvent.action)
            .order_by(func.min(AuditEvent.action))
        )
    )
    return AuditPage(rows=rows[:per_page], has_next=len(rows) > per_page, actions=actions)


@dataclass
class PodListPage:
    rows: list[tuple[Pod, Need]]
    total: int


def pod_list(
    session: Session, viewer: Person, *, status: str | None, page: int = 1, per_page: int = 50
) -> PodListPage:
    """Pods of the viewer's areas, newest first: those with ``status``, else the open ones."""
    stmt = (
        select(Pod, Need)
        .join(Need, Need.id == Pod.need_id)
        .where(area_filter(viewer, Need.area_id))
        .order_by(Pod.created_at.desc(), Pod.id.desc())
    )
    if status in POD_STATUSES:
        stmt = stmt.where(Pod.status == status)
    else:
        stmt = stmt.where(Pod.status.in_((POD_FORMING, POD_ACTIVE)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = [
        (pod, need)
        for pod, need in session.execute(stmt.limit(per_page).offset((max(page, 1) - 1) * per_page))
    ]
    return PodListPage(rows=rows, total=total)
