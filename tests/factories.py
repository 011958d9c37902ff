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
