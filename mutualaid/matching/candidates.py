"""Candidates: which offers may be asked for a need. The spatial query lives here.

1. Index prefilter: the need's search circle becomes one or two lat/lng boxes
   (``geo.distance.bounding_boxes``: poles and the antimeridian handled), and the database's
   spatial index returns the active offers inside them (SQLite: the ``offer_rtree`` R*Tree
   kept in sync by triggers; PostgreSQL: a GiST index on ``point(lng, lat)``). The same query
   drops the wrong category, the requester, paused, suspended and unreachable people
   (SMS-only and opted out) and expired offers.
2. Exact filter in Python: haversine distance within BOTH the offer's radius and the need's
   search radius.
3. :func:`membership_stats` then reads, for the survivors only, the pod history that excludes
   people at capacity or already invited to this need (a helper told "it's covered" may be
   asked again when a seat frees up) and feeds fairness and response.

Never loops over all offers; the boxes are slightly padded so the prefilter can only
over-select, and the exact filter decides. :func:`best_first_search` is the same query
cut to the ``n`` entries with the best score ceiling (for ``find_matches``' early stop).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from mutualaid.geo.distance import EARTH_RADIUS_KM, bounding_boxes, haversine_km
from mutualaid.matching.schema import PG_SPOTS_TABLE, RTREE_CODES, RTREE_TABLE

BOX_PAD_DEG = 1e-9  # float slack so a point exactly on a box edge is never lost

_REQUESTER_LANGUAGE = "(SELECT rq.language FROM people AS rq WHERE rq.id = :requester_id)"
_PERSON_FILTERS = """
  AND p.paused_at IS NULL
  AND p.suspended_at IS NULL
  AND NOT (p.sms_preference = 'only' AND p.sms_consent = 'opted_out')
"""


def _pyformat(sql: str) -> str:
    """``:name`` placeholders (sqlite3's named style) to psycopg's ``%(name)s``."""
    return re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", sql)


# Only active, located offers have index entries (the triggers see to it).
_SQLITE = (
    f"""
SELECT r.offer_id, r.helper_id, r.lat, r.lng, r.radius_km, r.availability, r.capacity,
       r.last_confirmed_at, p.language, {_REQUESTER_LANGUAGE}
FROM {RTREE_TABLE} AS r
JOIN people AS p ON p.id = r.helper_id
WHERE r.min_cat <= :code AND r.max_cat >= :code
  AND r.max_lat >= :min_lat AND r.min_lat <= :max_lat
  AND r.max_lng >= :min_lng AND r.min_lng <= :max_lng
  AND (r.expires_at IS NULL OR r.expires_at > :now)
  AND r.helper_id <> :requester_id
"""  # noqa: S608 (constant names, no input)
    + _PERSON_FILTERS
)
_SQLITE_CODE = f"SELECT code FROM {RTREE_CODES} WHERE category = :category"  # noqa: S608
_POSTGRES = (
    f"""
SELECT s.offer_id, s.helper_id, s.lat, s.lng, s.radius_km, s.availability, s.capacity,
       s.last_confirmed_at, p.language, {_REQUESTER_LANGUAGE}
FROM {PG_SPOTS_TABLE} AS s
JOIN people AS p ON p.id = s.helper_id
WHERE s.category = :category
  AND s.pt <@ box(point(:min_lng, :min_lat), point(:max_lng, :max_lat))
  AND (s.expires_at IS NULL OR s.expires_at > :now)
  AND s.helper_id <> :requester_id
"""  # noqa: S608 (constant names, no input)
    + _PERSON_FILTERS
)

# Best first: the ``:n`` index entries in reach with the highest score ceiling: the
# distance and freshness terms of the score, computed from the index row alone (no person
# read), plus the other factors at their highest (``scoring.score_ceiling``). Then their
# offers and people. ``ok`` carries the people filters, so the last row's ceiling still
# bounds every entry not read. The distance is computed as the Python one is (doubles), to
# within rounding; the caller recomputes it exactly.
# PostgreSQL raises on a floating-point underflow (a product or power that rounds to zero),
# so differences and latitudes below 1e-100 degrees count as zero (the distance moves by far
# less than the slack) and the freshness exponent stops at 700 (0.5 ** 700 ~ 2e-211, which
# only raises the ceiling above the exact 0).
_TINY = "(CASE WHEN abs({x}) < 1e-100 THEN 0.0 ELSE {x} END)"
_SQL_DISTANCE = (
    "(2 * {earth} * asin({least}(1.0, sqrt("
    + "power(sin(radians("
    + _TINY.format(x="{t}.lat - :lat")
    + ") / 2), 2) + :cos_lat * cos(radians("
    + _TINY.format(x="{t}.lat")
    + ")) * power(sin(radians("
    + _TINY.format(x="{t}.lng - :lng")
    + ") / 2), 2)))))"
)
_SQL_REACH = "{least}(:radius_km, {t}.radius_km)"
_SQL_TERMS = (
    ":w_distance * (CASE WHEN {reach} > 0 THEN {greatest}(0.0, 1.0 - {d} / {reach})"
    " ELSE 1.0 END) + :w_freshness * {fresh}"
)
_SQLITE_FRESH = (
    "coalesce(power(0.5, min(700.0, max(0.0, julianday(:now) - julianday(e.last_confirmed_at))"
    " / :half_life_days)), 1.0)"
)
_POSTGRES_FRESH = (
    "power(0.5, least(700.0, greatest(0.0, CAST(extract(epoch FROM (:now - e.last_confirmed_at))"
    " AS double precision) / 86400.0) / :half_life_days))"
)


def _terms(least: str, greatest: str, fresh: str) -> tuple[str, str, str]:
    d = _SQL_DISTANCE.format(earth=EARTH_RADIUS_KM, least=least, t="e")
    reach = _SQL_REACH.format(least=least, t="e")
    return d, reach, _SQL_TERMS.format(reach=reach, greatest=greatest, d=d, fresh=fresh)


_OK = (
    "((r.expires_at IS NULL OR r.expires_at > :now) AND r.helper_id <> :requester_id"
    " AND p.paused_at IS NULL AND p.suspended_at IS NULL"
    " AND NOT (p.sms_preference = 'only' AND p.sms_consent = 'opted_out'))"
)
_D, _REACH, _TERMS = _terms("min", "max", _SQLITE_FRESH)
_BEST_SQLITE = f"""
SELECT r.offer_id, r.helper_id, r.lat, r.lng, r.radius_km, r.availability, r.capacity,
       r.last_confirmed_at, p.language, {_REQUESTER_LANGUAGE}, q.terms, {_OK}
FROM (
  SELECT e.id AS id, {_TERMS} AS terms
  FROM {RTREE_TABLE} AS e
  WHERE e.min_cat <= :code AND e.max_cat >= :code
    AND e.max_lat >= :min_lat AND e.min_lat <= :max_lat
    AND e.max_lng >= :min_lng AND e.min_lng <= :max_lng
    AND {_D} <= {_REACH} + :slack_km
  ORDER BY terms DESC LIMIT :n
) AS q
JOIN {RTREE_TABLE} AS r ON r.id = q.id
JOIN people AS p ON p.id = r.helper_id
"""  # noqa: S608 (constant names, no input)
_D, _REACH, _TERMS = _terms("least", "greatest", _POSTGRES_FRESH)
# PostgreSQL reads the pod history of the same people in the same statement (one round trip
# instead of two; SQLite runs in-process, where a second statement costs little).
_BEST_POSTGRES_CTE = f"""
WITH r AS MATERIALIZED (
  SELECT e.offer_id, e.helper_id, e.lat, e.lng, e.radius_km, e.availability, e.capacity,
         e.last_confirmed_at, e.expires_at, {_TERMS} AS terms
  FROM {PG_SPOTS_TABLE} AS e
  WHERE e.category = :category
    AND e.pt <@ box(point(:min_lng, :min_lat), point(:max_lng, :max_lat))
    AND {_D} <= {_REACH} + :slack_km
  ORDER BY terms DESC LIMIT :n
), h AS ({{stats}})
SELECT r.offer_id, r.helper_id, r.lat, r.lng, r.radius_km, r.availability, r.capacity,
       r.last_confirmed_at, p.language, {_REQUESTER_LANGUAGE}, r.terms, {_OK}, h.*
FROM r
JOIN people AS p ON p.id = r.helper_id
LEFT JOIN h ON h.person_id = r.helper_id
"""  # noqa: S608 (constant names, no input)
del _D, _REACH, _TERMS

_STATS_SELECT = """
SELECT m.person_id,
  SUM(CASE WHEN m.status = 'accepted' AND pd.status IN ('forming', 'active')
      THEN 1 ELSE 0 END),
  SUM(CASE WHEN m.invited_at >= :fair_since THEN 1 ELSE 0 END),
  SUM(CASE WHEN m.invited_at >= :day_since THEN 1.0
           WHEN m.invited_at >= :days3_since THEN 0.5
           WHEN m.invited_at >= :fair_since THEN 0.25 ELSE 0 END),
  SUM(CASE WHEN m.status = 'invited' AND m.invite_expires_at > :now AND pd.status = 'forming'
           AND pd.need_id <> :need_id THEN 1 ELSE 0 END),
  MAX(m.invited_at),
  SUM(CASE WHEN m.invited_at >= :hist_since AND m.status = 'accepted' THEN 1 ELSE 0 END),
  SUM(CASE WHEN m.invited_at >= :hist_since AND m.status = 'declined' THEN 1 ELSE 0 END),
  SUM(CASE WHEN m.invited_at >= :hist_since AND m.status = 'expired' THEN 1 ELSE 0 END),
  MAX(CASE WHEN pd.need_id = :need_id AND m.status <> 'withdrawn' THEN 1 ELSE 0 END),
  MAX(CASE WHEN pd.need_id = :need_id AND m.status = 'invited' THEN 1 ELSE 0 END)
FROM memberships AS m
JOIN pods AS pd ON pd.id = m.pod_id
WHERE m.role = 'helper' AND m.person_id {person_filter}
GROUP BY m.person_id
"""
_STATS_SQLITE = _STATS_SELECT.format(person_filter="IN (SELECT value FROM json_each(:person_ids))")


_POSTGRES = _pyformat(_POSTGRES)
_STATS_POSTGRES = _pyformat(_STATS_SELECT.format(person_filter="= ANY(:person_ids)"))
_BEST_POSTGRES = _pyformat(
    _BEST_POSTGRES_CTE.format(
        stats=_STATS_SELECT.format(person_filter="IN (SELECT helper_id FROM r)")
    )
)


class Driver:
    """The session's own DBAPI connection, used directly on the hot path.

    These queries run for every match request; going below SQLAlchemy's statement and
    result layers removes most of the per-call overhead. They share the session's
    connection and transaction (so they see its flushed, uncommitted rows). Values are
    converted by hand: SQLite keeps datetimes as naive UTC text.
    """

    def __init__(self, session: Session) -> None:
        session.flush()  # what the ORM would autoflush before a query
        connection = session.connection()
        dialect = connection.dialect.name
        if dialect not in ("sqlite", "postgresql"):
            raise NotImplementedError(f"matching does not support the {dialect} database")
        self.sqlite = dialect == "sqlite"
        raw = connection.connection.dbapi_connection
        assert raw is not None, "the session's connection was just checked out"
        self.raw = raw

    def execute(self, sqlite_sql: str, postgres_sql: str, params: dict[str, Any]) -> Sequence[Any]:
        """The DBAPI rows (tuples of raw column values)."""
        cursor = self.raw.cursor()
        try:
            cursor.execute(sqlite_sql if self.sqlite else postgres_sql, params)
            return cursor.fetchall()
        finally:
            cursor.close()

    def param_time(self, value: datetime) -> str | datetime:
        if self.sqlite:
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value

    @staticmethod
    def result_time(value: str | datetime) -> datetime:
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class SpatialHit:
    """An offer inside both radii, with what availability and scoring need."""

    offer_id: int
    person_id: int
    distance_km: float
    radius_km: float
    availability: str | None  # JSON text
    capacity: int
    last_confirmed_at: datetime
    language: str


def spatial_candidates(
    session: Session | Driver,
    *,
    lat: float,
    lng: float,
    radius_km: float,
    category: str,
    requester_id: int | None = None,
    now: datetime,
) -> list[SpatialHit]:
    """Active offers in ``category`` whose helper is within ``radius_km`` of (lat, lng) AND
    within the offer's own radius, minus the requester and paused, suspended or unreachable
    people. Exact (haversine), ordered by offer id."""
    return spatial_search(
        session if isinstance(session, Driver) else Driver(session),
        lat=lat,
        lng=lng,
        radius_km=radius_km,
        category=category,
        requester_id=requester_id,
        now=now,
    )[0]


def spatial_search(
    driver: Driver,
    *,
    lat: float,
    lng: float,
    radius_km: float,
    category: str,
    requester_id: int | None,
    now: datetime,
) -> tuple[list[SpatialHit], str | None]:
    """:func:`spatial_candidates` plus the requester's language (None without candidates)."""
    hits: dict[int, SpatialHit] = {}
    requester_language = None
    now_param = driver.param_time(now)
    code = None
    if driver.sqlite:
        rows = driver.execute(_SQLITE_CODE, "", {"category": category})
        if not rows:
            return [], None  # nobody has ever offered this category
        code = rows[0][0]
    for box in bounding_boxes(lat, lng, radius_km):
        params = {
            "min_lat": box.min_lat - BOX_PAD_DEG,
            "max_lat": box.max_lat + BOX_PAD_DEG,
            "min_lng": box.min_lng - BOX_PAD_DEG,
            "max_lng": box.max_lng + BOX_PAD_DEG,
            "category": category,
            "code": code,
            "requester_id": requester_id if requester_id is not None else -1,
            "now": now_param,
        }
        for row in driver.execute(_SQLITE, _POSTGRES, params):
            oid, pid, olat, olng, reach, avail, cap, confirmed, language, requester_language = row
            if oid in hits:
                continue
            d = haversine_km(lat, lng, olat, olng)
            if d <= radius_km and d <= reach:
                confirmed = driver.result_time(confirmed)
                hits[oid] = SpatialHit(oid, pid, d, reach, avail, cap, confirmed, language)
    return [hits[k] for k in sorted(hits)], requester_language


BEST_FIRST = 240  # index entries read best first before the rest may be ruled out
_SLACK_KM = 1e-9  # SQL and Python compute the same distance to within rounding


def best_first_search(
    driver: Driver,
    *,
    lat: float,
    lng: float,
    radius_km: float,
    category: str,
    requester_id: int | None,
    now: datetime,
    n: int,
    w_distance: float,
    w_freshness: float,
    half_life_days: float,
    need_id: int | None,
    fairness_days: int,
    history_days: int,
) -> tuple[list[SpatialHit], str | None, float | None, dict[int, PodHistory] | None] | None:
    """The offers of the ``n`` index entries in reach with the highest distance and
    freshness terms (``w_distance * distance factor + w_freshness * freshness factor``,
    from the index row alone), the exact rules of :func:`spatial_search` applied to them;
    the requester's language; and the highest those terms can be for any entry not read
    (None when every entry in reach was read); on PostgreSQL also the pod history of their
    people (:func:`membership_stats`, read in the same statement), on SQLite None. None
    when the search circle needs two boxes (it crosses the antimeridian): use
    :func:`spatial_search`."""
    boxes = bounding_boxes(lat, lng, radius_km)
    if len(boxes) != 1:
        return None
    code = None
    if driver.sqlite:
        rows = driver.execute(_SQLITE_CODE, "", {"category": category})
        if not rows:
            return [], None, None, None
        code = rows[0][0]
    box = boxes[0]
    params = {
        "lat": lat,
        "lng": lng,
        "cos_lat": math.cos(math.radians(lat)),
        "radius_km": radius_km,
        "slack_km": _SLACK_KM,
        "n": n,
        "w_distance": w_distance,
        "w_freshness": w_freshness,
        "half_life_days": half_life_days,
        "min_lat": box.min_lat - BOX_PAD_DEG,
        "max_lat": box.max_lat + BOX_PAD_DEG,
        "min_lng": box.min_lng - BOX_PAD_DEG,
        "max_lng": box.max_lng + BOX_PAD_DEG,
        "category": category,
        "code": code,
        "requester_id": requester_id if requester_id is not None else -1,
        **_stats_params(driver, need_id, now, fairness_days, history_days),
    }
    rows = driver.execute(_BEST_SQLITE, _BEST_POSTGRES, params)
    history = None if driver.sqlite else {r[12]: _history(driver, r[13:]) for r in rows if r[12]}
    hits: list[SpatialHit] = []
    requester_language = None
    seen: set[int] = set()
    lowest = math.inf
    for row in rows:
        oid, pid, olat, olng, reach, avail, cap, confirmed, language, requester_language = row[:10]
        lowest = min(lowest, row[10])
        if not row[11] or oid in seen:
            continue
        seen.add(oid)
        d = haversine_km(lat, lng, olat, olng)
        if d <= radius_km and d <= reach:
            confirmed = driver.result_time(confirmed)
            hits.append(SpatialHit(oid, pid, d, reach, avail, cap, confirmed, language))
    return hits, requester_language, (lowest if len(rows) >= n else None), history


@dataclass(frozen=True, slots=True)
class PodHistory:
    """One helper's pod history as matching sees it."""

    seated: int = 0  # accepted seats in forming or active pods
    asked_recently: int = 0  # invitations within the fairness window
    # Recent asks, decaying with age (last day 1, up to 3 days 0.5, rest of the window 0.25)
    recent_load: float = 0.0
    open_elsewhere: int = 0  # invitations still open in other forming groups
    last_asked_at: datetime | None = None
    accepted: int = 0  # within the response window
    declined: int = 0
    no_reply: int = 0
    invited_to_need: bool = False
    open_here: bool = False  # an invitation to this need still open


NO_HISTORY = PodHistory()


def membership_stats(
    session: Session | Driver,
    person_ids: Iterable[int],
    *,
    need_id: int | None,
    now: datetime,
    fairness_days: int,
    history_days: int,
) -> dict[int, PodHistory]:
    """Pod history for each of ``person_ids`` (people without any are left out)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    driver = session if isinstance(session, Driver) else Driver(session)
    rows = driver.execute(
        _STATS_SQLITE,
        _STATS_POSTGRES,
        {
            "person_ids": json.dumps(ids) if driver.sqlite else ids,
            **_stats_params(driver, need_id, now, fairness_days, history_days),
        },
    )
    return {row[0]: _history(driver, row[1:]) for row in rows}


def _stats_params(
    driver: Driver, need_id: int | None, now: datetime, fairness_days: int, history_days: int
) -> dict[str, Any]:
    return {
        "need_id": need_id if need_id is not None else -1,
        "fair_since": driver.param_time(now - timedelta(days=fairness_days)),
        "day_since": driver.param_time(now - timedelta(days=1)),
        "days3_since": driver.param_time(now - timedelta(days=3)),
        "now": driver.param_time(now),
        "hist_since": driver.param_time(now - timedelta(days=history_days)),
    }


def _history(driver: Driver, stats: Sequence[Any]) -> PodHistory:
    """One row of the history query (after the person id) as a :class:`PodHistory`."""
    seated, asked, load, open_elsewhere, last, acc, dec, exp, here, open_here = stats
    return PodHistory(
        seated=int(seated or 0),
        asked_recently=int(asked or 0),
        recent_load=float(load or 0) + int(open_elsewhere or 0),
        open_elsewhere=int(open_elsewhere or 0),
        last_asked_at=driver.result_time(last) if last is not None else None,
        accepted=int(acc or 0),
        declined=int(dec or 0),
        no_reply=int(exp or 0),
        invited_to_need=bool(here),
        open_here=bool(open_here),
    )
