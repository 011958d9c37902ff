"""The Huey tasks for needs and offers run their sweeps and commit (as the worker would)."""

from datetime import UTC, datetime, timedelta

from mutualaid.extensions import db
from mutualaid.jobs import geocode_retry, offer_freshness
from mutualaid.locations import apply_location, pending
from mutualaid.models import Offer
from tests.factories import make_need, make_offer, make_person
from tests.fakes.nominatim import FakePlace


def test_geocode_retry_task_uses_the_apps_geocoder(app, fake_geocoder, nominatim):
    nominatim.add("455 union ave", FakePlace(40.7131, -73.9510, "455, Union Avenue, Brooklyn"))
    need = make_need(make_person())
    apply_location(db.session, need, pending("455 Union Ave, Brooklyn"))
    db.session.commit()
    geocode_retry.call_local()  # tried just now (the post itself): backs off
    assert need.location_status == "pending" and not nominatim.searches()
    need.location_checked_at = datetime.now(UTC) - timedelta(minutes=6)
    db.session.commit()
    geocode_retry.call_local()
    assert (need.lat, need.lng, need.location_status) == (40.7131, -73.951, "ok")


def test_offer_freshness_task_asks_with_the_configured_days(app):
    old = datetime.now(UTC) - timedelta(days=31)
    stale = make_offer(make_person(), now=old)
    fresh = make_offer(make_person())
    db.session.commit()
    offer_freshness.call_local()
    assert db.session.get(Offer, stale.id).confirm_asked_at is not None
    assert db.session.get(Offer, fresh.id).confirm_asked_at is None
    offer_freshness.call_local()  # idempotent
    assert db.session.get(Offer, stale.id).status == "active"
