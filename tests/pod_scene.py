"""Builders for pod tests: a need with helpers' offers around it."""

from __future__ import annotations

from mutualaid.extensions import db
from mutualaid.models import Need, Offer
from tests.factories import make_person

# Williamsburg, Brooklyn
HOME = (40.7081, -73.9571)


def offset(km_north: float, km_east: float = 0.0) -> tuple[float, float]:
    return HOME[0] + km_north / 111.2, HOME[1] + km_east / 84.2


def make_need(
    requester,
    *,
    category="groceries",
    people_needed=2,
    urgency="today",
    code="A7K",
    where=HOME,
    address="12 Berry St, Brooklyn",
    **kw,
) -> Need:
    need = Need(
        code=code,
        requester_id=requester.id,
        category=category,
        urgency=urgency,
        people_needed=people_needed,
        details=kw.pop("details", "milk, bread, rice"),
        lat=where[0],
        lng=where[1],
        public_lat=round(where[0], 2),
        public_lng=round(where[1], 2),
        address_text=address,
        location_status="ok",
        **kw,
    )
    db.session.add(need)
    db.session.flush()
    return need


def make_helper(name: str, km: float, *, categories=("groceries",), radius_km=5.0, **person_kw):
    person = make_person(name=name, **person_kw)
    lat, lng = offset(km)
    offer = Offer(
        helper_id=person.id,
        lat=lat,
        lng=lng,
        radius_km=radius_km,
        location_status="ok",
        public_lat=round(lat, 2),
        public_lng=round(lng, 2),
    )
    offer.set_categories(list(categories))
    db.session.add(offer)
    db.session.flush()
    return person


def helpers_at(*distances_km: float, prefix: str = "Helper"):
    return [make_helper(f"{prefix}{i} Test", km) for i, km in enumerate(distances_km)]
