"""Issue 17: the guided OFFER keeps the radius given with the place ("11211 3 miles"),
stores it in km and echoes it in the area's units."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Offer
from mutualaid.sms import commands as c
from tests.factories import make_area


def _offer_of(phone) -> Offer:
    db.session.expire_all()
    (offer,) = db.session.scalars(select(Offer).where(Offer.helper_id == phone.person.id)).all()
    return offer


def _guided(phone, answer: str) -> str:
    assert phone.text("OFFER rides")[0].startswith("Where?")
    (got,) = phone.text(answer)
    return got


@pytest.mark.parametrize(
    ("answer", "km", "echo"),
    [
        ("11211 5 km", 5.0, "within 5 km of 11211."),
        ("11211 3 miles", 4.8, "within 4.8 km of 11211."),
        ("11211 3 mi", 4.8, "within 4.8 km of 11211."),
        ("11211 5km", 5.0, "within 5 km of 11211."),
        ("11211 5", 5.0, "within 5 km of 11211."),
        ("11211", 3.0, "within 3 km of 11211."),
    ],
)
def test_the_answer_to_where_keeps_its_radius(phone, answer, km, echo):
    sam = phone()
    got = _guided(sam, answer)
    assert got.startswith("Got it: you offer Transport " + echo), got
    assert _offer_of(sam).radius_km == km


def test_spanish_units_in_the_answer(phone):
    ana = phone()
    assert ana.text("OFREZCO transporte")[0]
    ana.text("11211 3 millas")
    assert _offer_of(ana).radius_km == 4.8
    ana.text("OFREZCO transporte")
    ana.text("11211 5 kilómetros")
    assert _offer_of(ana).radius_km == 5.0


def test_a_radius_given_with_the_command_survives_the_where_question(phone):
    sam = phone()
    assert sam.text("OFFER rides 3 miles")[0].startswith("Where?")
    sam.text("11211")
    assert _offer_of(sam).radius_km == 4.8


def test_a_radius_alone_keeps_asking_where(phone):
    sam = phone()
    sam.text("OFFER rides")
    assert sam.text("3 miles")[0].startswith("Where?")
    sam.text("11211")
    assert _offer_of(sam).radius_km == 4.8


def test_the_echo_speaks_miles_in_a_miles_area(phone):
    make_area(units="mi")  # around ZIP 11211
    db.session.commit()
    sam = phone()
    got = _guided(sam, "11211 3 miles")
    assert got.startswith("Got it: you offer Transport within 3.0 mi of 11211."), got
    assert _offer_of(sam).radius_km == 4.8
    (direct,) = sam.text("OFFER groceries 11211 5 km")
    assert direct.startswith("Offer updated: you offer Groceries, Transport within 3.1 mi")
    assert _offer_of(sam).radius_km == 5.0


@pytest.mark.parametrize(
    ("text", "where", "km", "rest"),
    [
        ("11211 3 miles", "11211", 4.8, ""),
        ("11211 5 kilómetros", "11211", 5.0, ""),
        ("11211 5 KILÓMETROS", "11211", 5.0, ""),
        ("near 11211 within 2 km", "11211", 2.0, ""),
        ("11211 5", "11211", 5.0, ""),
        ("Brooklyn", None, None, "Brooklyn"),
    ],
)
def test_where_and_radius(text, where, km, rest):
    assert c.where_and_radius(text) == (where, km, rest)
