"""The spatial index never changes the answer: on both databases, the candidates equal a
brute-force great-circle filter over ALL offers with the same radius rules (within the
offer's radius AND the need's search radius, active, right category).

Hypothesis draws needs anywhere, with extra weight near the antimeridian, near the poles
(the indexes support the full latitude range, so up to +/-90), and offers placed right on
either side of a radius boundary.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.geo.distance import EARTH_RADIUS_KM, haversine_km
from mutualaid.matching import find_matches
from mutualaid.matching.candidates import spatial_candidates
from mutualaid.models import Offer, OfferCategory
from tests.factories import make_person
from tests.factories import make_raw_need as make_need

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
SETTINGS = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def destination(lat: float, lng: float, bearing_deg: float, km: float) -> tuple[float, float]:
    """The point ``km`` from (lat, lng) along ``bearing_deg`` on the sphere."""
    d = km / EARTH_RADIUS_KM
    p1, l1, b = math.radians(lat), math.radians(lng), math.radians(bearing_deg)
    p2 = math.asin(
        max(-1.0, min(1.0, math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b)))
    )
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    lng2 = (math.degrees(l2) + 540.0) % 360.0 - 180.0
    return max(-90.0, min(90.0, math.degrees(p2))), lng2


latitudes = st.one_of(
    st.floats(-90, 90),
    st.floats(88.5, 90),  # near the north pole
    st.floats(-90, -88.5),  # near the south pole
    st.sampled_from([90.0, -90.0, 0.0]),
)
longitudes = st.one_of(
    st.floats(-180, 180),
    st.floats(179.5, 180),  # just west of the antimeridian
    st.floats(-180, -179.5),  # just east of it
    st.sampled_from([180.0, -180.0]),
)


@st.composite
def scenes(draw):
    """A need (centre, radius) and offers around it, some right on a radius boundary."""
    lat, lng = draw(latitudes), draw(longitudes)
    radius = draw(st.floats(0.2, 40.0))
    offers = []
    for _ in range(draw(st.integers(1, 20))):
        kind = draw(st.sampled_from(["spread", "need_edge", "offer_edge"]))
        bearing = draw(st.floats(0, 360))
        nudge = draw(st.sampled_from([-1e-6, -1e-9, 0.0, 1e-9, 1e-6, 1e-3, -1e-3]))
        if kind == "spread":
            km = draw(st.floats(0, 2.5 * radius))
            reach = draw(st.floats(0.1, 60.0))
        elif kind == "need_edge":  # just inside / outside the need's radius
            km = radius * (1 + nudge)
            reach = draw(st.floats(radius * 1.01, 80.0))
        else:  # just inside / outside the offer's own radius
            km = draw(st.floats(0, radius))
            reach = max(0.01, km * (1 + nudge))
        olat, olng = destination(lat, lng, bearing, km)
        offers.append(
            {
                "lat": olat,
                "lng": olng,
                "radius_km": reach,
                "category": draw(st.sampled_from(["groceries", "groceries", "rides"])),
                "status": draw(st.sampled_from(["active", "active", "active", "paused"])),
            }
        )
    return lat, lng, radius, offers


def brute_force(lat: float, lng: float, radius: float) -> set[int]:
    """Every offer in the database, filtered by great-circle distance in a Python loop."""
    rows = db.session.execute(
        select(
            Offer.id, Offer.lat, Offer.lng, Offer.radius_km, Offer.status, OfferCategory.category
        ).join(OfferCategory, OfferCategory.offer_id == Offer.id)
    )
    return {
        oid
        for oid, olat, olng, reach, status, category in rows
        if status == "active"
        and category == "groceries"
        and (d := haversine_km(lat, lng, olat, olng)) <= radius
        and d <= reach
    }


def insert(helpers, offers) -> None:
    for helper, spec in zip(helpers, offers, strict=False):
        offer = Offer(
            helper_id=helper.id,
            lat=spec["lat"],
            lng=spec["lng"],
            radius_km=spec["radius_km"],
            status=spec["status"],
            availability={"any_time": True},
        )
        offer.set_categories([spec["category"]])
        db.session.add(offer)
    db.session.flush()


@SETTINGS
@given(scene=scenes())
def test_index_candidates_equal_a_brute_force_great_circle_filter(app, scene):
    lat, lng, radius, offers = scene
    helpers = _pool()
    savepoint = db.session.begin_nested()
    try:
        insert(helpers, offers)
        got = {
            hit.offer_id
            for hit in spatial_candidates(
                db.session, lat=lat, lng=lng, radius_km=radius, category="groceries", now=NOW
            )
        }
        assert got == brute_force(lat, lng, radius)
    finally:
        savepoint.rollback()


@settings(SETTINGS, max_examples=40)
@given(scene=scenes())
def test_find_matches_suggests_exactly_the_brute_force_set(app, scene):
    lat, lng, radius, offers = scene
    helpers = _pool()
    savepoint = db.session.begin_nested()
    try:
        insert(helpers, offers)
        need = make_need(_pool.requester, lat=lat, lng=lng, search_radius_km=radius)
        matches = find_matches(db.session, need, limit=100, now=NOW)
        by_offer = {o.id: o.helper_id for o in db.session.scalars(select(Offer))}
        assert {m.offer_id for m in matches} == brute_force(lat, lng, radius)
        assert [m.person_id for m in matches] == [by_offer[m.offer_id] for m in matches]
        assert all(m.distance_km <= round(radius, 3) + 0.001 for m in matches)  # rounded to m
    finally:
        savepoint.rollback()


def _pool():
    """Twenty helpers (one per offer) and a requester, made once per test, kept across
    examples (each example's offers are rolled back)."""
    # The test's connection itself, not its id(): a later test's connection can reuse the
    # id of a closed one, and the cached helpers were rolled back with it.
    bind = db.session.get_bind()
    if getattr(_pool, "bind", None) is not bind:
        _pool.bind = bind
        _pool.helpers = [make_person() for _ in range(20)]
        _pool.requester = make_person()
    return _pool.helpers
