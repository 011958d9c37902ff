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


def test_expired_needs_and_stale_offers_reach_people_who_use_texts(app):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import select

    from mutualaid.models import SmsMessage
    from mutualaid.needs import expire_due_needs
    from mutualaid.offers import request_offer_confirmation

    maria = make_person(
        phone="+17185550102",
        sms_preference="only",
        email=None,
        password=None,
        sms_consent="opted_in",
        language="es",
    )
    need = make_need(maria, urgency="now", category="transport")
    expire_due_needs(db.session, datetime.now(UTC) + timedelta(days=2))
    sam = make_person(
        phone="+17185550103",
        sms_preference="only",
        email=None,
        password=None,
        sms_consent="opted_in",
    )
    offer = make_offer(sam, categories=["groceries"])
    request_offer_confirmation(db.session, offer)
    texts = dict(db.session.execute(select(SmsMessage.to_number, SmsMessage.body)).all())
    assert need.code in texts["+17185550102"] and "NEED" in texts["+17185550102"]
    assert "RESUME" in texts["+17185550103"] and "groceries" in texts["+17185550103"].lower()
