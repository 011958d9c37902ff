"""Test data factories: small functions that build valid rows with sensible defaults."""

from __future__ import annotations

import itertools

from flask import current_app

from mutualaid.accounts import NewAccount, create_person
from mutualaid.extensions import db
from mutualaid.models import Area, Person

_seq = itertools.count(1)
PASSWORD = "correct horse battery"


def make_area(**kw) -> Area:
    n = next(_seq)
    area = Area(
        slug=kw.pop("slug", f"area-{n}"),
        name=kw.pop("name", f"Area {n}"),
        center_lat=kw.pop("center_lat", 40.7081),
        center_lng=kw.pop("center_lng", -73.9571),
        radius_km=kw.pop("radius_km", 3.0),
        **kw,
    )
    db.session.add(area)
    db.session.flush()
    return area


def make_person(
    role: str = "neighbor",
    *,
    name: str | None = None,
    email: str | None = "",
    phone: str | None = None,
    password: str | None = PASSWORD,
    language: str = "en",
    **attrs,
) -> Person:
    n = next(_seq)
    person = create_person(
        db.session,
        current_app.extensions["passwords"],
        NewAccount(
            name=name or f"{role.title()} {n}",
            email=f"{role}{n}@example.org" if email == "" else email,
            password=password,
            phone=phone,
            role=role,
            language=language,
        ),
    )
    for key, value in attrs.items():
        setattr(person, key, value)
    db.session.flush()
    return person


# --- matching (issue 4): offers and needs with sensible defaults -------------------------
# A point in Williamsburg, Brooklyn; tests move things around it with geo offsets.
HOME_LAT, HOME_LNG = 40.7081, -73.9571


def make_offer(helper: Person | None = None, **kw):
    """An active offer at HOME (or ``lat``/``lng``) for ``categories`` (default groceries)."""
    from mutualaid.models import Offer

    helper = helper or make_person()
    categories = kw.pop("categories", ["groceries"])
    offer = Offer(
        helper_id=helper.id,
        lat=kw.pop("lat", HOME_LAT),
        lng=kw.pop("lng", HOME_LNG),
        radius_km=kw.pop("radius_km", 5.0),
        availability=kw.pop("availability", {"any_time": True}),
        capacity=kw.pop("capacity", 1),
        status=kw.pop("status", "active"),
        location_status=kw.pop("location_status", "ok"),
        **kw,
    )
    offer.set_categories(categories)
    db.session.add(offer)
    db.session.flush()
    return offer


def make_need(requester: Person | None = None, **kw):
    """An open need at HOME (or ``lat``/``lng``) for groceries, urgency "today"."""
    from mutualaid.models import Need

    requester = requester or make_person()
    n = next(_seq)
    need = Need(
        code=kw.pop("code", _code(n)),
        requester_id=requester.id,
        category=kw.pop("category", "groceries"),
        urgency=kw.pop("urgency", "today"),
        people_needed=kw.pop("people_needed", 1),
        lat=kw.pop("lat", HOME_LAT),
        lng=kw.pop("lng", HOME_LNG),
        location_status=kw.pop("location_status", "ok"),
        **kw,
    )
    db.session.add(need)
    db.session.flush()
    return need


def _code(n: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    out = ""
    for _ in range(4):
        n, r = divmod(n, len(alphabet))
        out += alphabet[r]
    return out
