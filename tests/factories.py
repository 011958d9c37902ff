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
