"""A texter who names a street (not a ZIP code): the address is looked up through Nominatim
(the loopback fake, real geopy) before the worker locks the number, so the reply says at
once whether the place was found, and a place the geocoder does not know is asked again."""

from __future__ import annotations

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import GeocodeCache, Need
from tests.fakes.nominatim import FakePlace


def _need_of(phone) -> Need | None:
    db.session.expire_all()
    return db.session.scalar(select(Need).where(Need.requester_id == phone.person.id))


def test_a_street_address_in_a_need_is_found_and_posted(phone, fake_geocoder, nominatim):
    nominatim.add("123 Bedford Ave", FakePlace(40.7180, -73.9570, "123 Bedford Ave, Brooklyn"))
    ana = phone()
    replies = ana.text("NEED groceries 123 Bedford Ave")
    assert any("Got it: need" in r and "123 Bedford Ave" in r for r in replies), replies
    need = _need_of(ana)
    assert need is not None and need.location_status == "ok"
    assert abs(need.lat - 40.7180) < 1e-6
    # Looked up once, before the lock, and cached for next time.
    assert len([r for r in nominatim.requests if r["path"].startswith("/search")]) == 1
    cached = db.session.scalars(select(GeocodeCache.display)).all()
    assert "123 Bedford Ave, Brooklyn" in cached


def test_an_unknown_street_is_asked_again_not_saved(phone, fake_geocoder, nominatim):
    ben = phone()
    replies = ben.text("NEED groceries 99 Nowhere Lane")
    assert any("could not find that place" in r for r in replies), replies
    assert any("Where?" in r for r in replies), replies
    assert _need_of(ben) is None
    # The answer to "Where?" is looked up the same way and the need is posted.
    nominatim.add("45 Grand St", FakePlace(40.7150, -73.9600, "45 Grand St, Brooklyn"))
    replies = ben.text("45 Grand St")
    assert any("Got it: need" in r for r in replies), replies
    need = _need_of(ben)
    assert need is not None and need.location_status == "ok"


def test_a_geocoder_outage_keeps_the_need_as_pending(phone, fake_geocoder, nominatim):
    nominatim.mode = "down"
    cleo = phone()
    replies = cleo.text("NEED groceries 7 Kent Ave")
    assert any("Got it: need" in r for r in replies), replies
    need = _need_of(cleo)
    assert need is not None and need.location_status == "pending"
    assert need.address_text == "7 Kent Ave"
