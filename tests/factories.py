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


# --- Needs and offers (issue 3) ------------------------------------------------------------


def make_need(requester: Person, *, at: tuple[float, float] = (40.7142, -73.9614), **kw):
    """An open need posted through the domain function, located at ``at``."""
    from mutualaid.geo.geocoding import Place
    from mutualaid.locations import found
    from mutualaid.need_records import NeedInput
    from mutualaid.needs import post_need

    text = kw.pop("address_text", f"{at[0]},{at[1]}")
    now = kw.pop("now", None)
    data = NeedInput(
        category=kw.pop("category", "groceries"),
        urgency=kw.pop("urgency", "today"),
        people_needed=kw.pop("people_needed", None),
        details=kw.pop("details", ""),
        contact_preference=kw.pop("contact_preference", "web"),
    )
    need = post_need(db.session, requester, data, found(text, Place(*at, text, "latlng")), now=now)
    for key, value in kw.items():
        setattr(need, key, value)
    db.session.flush()
    return need


# --- matching (issue 4): offers and needs with sensible defaults -------------------------
# A point in Williamsburg, Brooklyn; tests move things around it with geo offsets.
HOME_LAT, HOME_LNG = 40.7081, -73.9571


def make_raw_offer(helper: Person | None = None, **kw):
    """A bare Offer row (no domain rules) at HOME or ``lat``/``lng``; groceries by default."""
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


def make_raw_need(requester: Person | None = None, **kw):
    """A bare Need row (no pod is formed) at HOME or ``lat``/``lng``; groceries, "today"."""
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


def make_offer(helper: Person, *, at: tuple[float, float] = (40.7150, -73.9540), **kw):
    from mutualaid.geo.geocoding import Place
    from mutualaid.locations import found
    from mutualaid.offers import OfferInput, post_offer

    text = kw.pop("address_text", f"{at[0]},{at[1]}")
    now = kw.pop("now", None)
    data = OfferInput(
        categories=kw.pop("categories", ["groceries"]),
        radius_km=kw.pop("radius_km", 3.0),
        availability=kw.pop("availability", {"any_time": True}),
        capacity=kw.pop("capacity", 1),
        notes=kw.pop("notes", ""),
    )
    offer = post_offer(db.session, helper, data, found(text, Place(*at, text, "latlng")), now=now)
    for key, value in kw.items():
        setattr(offer, key, value)
    db.session.flush()
    return offer


def _code(n: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    out = ""
    for _ in range(4):
        n, r = divmod(n, len(alphabet))
        out += alphabet[r]
    return out


_phone_seq = itertools.count(100)


def unique_phone() -> str:
    """A fresh US number in E.164 (555-01xx style range, never a real subscriber)."""
    n = next(_phone_seq)
    return f"+1212555{n % 10000:04d}"


def make_texter(phone: str | None = None, **attrs) -> Person:
    """A phone-only person (no email, no password), as the SMS transport creates them."""
    return make_person(
        "neighbor", email=None, password=None, phone=phone or unique_phone(), **attrs
    )


# --- API tokens (issue 9) -------------------------------------------------------------------


def make_token(person: Person, name: str = "test") -> str:
    """A live API token for ``person``; returns the secret (as shown once to the owner)."""
    from mutualaid.api_tokens import create_token

    _token, secret = create_token(db.session, person, name)
    return secret
