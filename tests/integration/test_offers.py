"""Offers on the web and their freshness: post, edit, pause/resume/delete, availability in
the shared format, "still available?" asks and expiry with a frozen clock."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Offer
from mutualaid.offers import OfferError, normalise_availability
from mutualaid.sweeps import freshen_offers
from tests.conftest import text_of
from tests.factories import make_offer, make_person

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _form(**kw):
    data = {
        "categories": ["groceries", "transport"],
        "radius_km": "4",
        "when": "any",
        "start": "18:00",
        "end": "21:00",
        "capacity": "2",
        "location": "11211",
        "notes": "I have a car",
    }
    data.update(kw)
    return data


def _only_offer(person) -> Offer:
    [offer] = db.session.scalars(select(Offer).where(Offer.helper_id == person.id)).all()
    return offer


def test_post_an_offer_any_time(helper_client, helper):
    response = helper_client.submit("/offers/new", _form(), follow_redirects=True)
    assert "Your offer is saved" in text_of(response)
    offer = _only_offer(helper)
    assert offer.categories == ["groceries", "transport"]
    assert (offer.radius_km, offer.capacity, offer.status) == (4.0, 2, "active")
    assert offer.availability == {"any_time": True}
    assert offer.location_status == "ok" and offer.public_lat is not None
    page = text_of(helper_client.get("/offers/mine"))
    assert "Groceries, Transport" in page and "Any time" in page


def test_post_an_offer_with_time_windows_in_the_shared_format(helper_client, helper):
    helper_client.submit(
        "/offers/new",
        _form(when="times", days=["0", "2", "4"], start="18:00", end="21:30"),
    )
    offer = _only_offer(helper)
    assert offer.availability == {
        "any_time": False,
        "windows": [{"days": [0, 2, 4], "start": "18:00", "end": "21:30"}],
    }
    assert "Mon, Wed, Fri 18:00\u201321:30" in text_of(helper_client.get("/offers/mine"))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"categories": []}, "Choose at least one thing you can help with."),
        ({"radius_km": "80"}, "Travel distance must be between 0.5 and 50 km."),
        ({"capacity": "9"}, "You can join between 1 and 5 pods at once."),
        ({"when": "times", "days": []}, "Choose at least one day of the week."),
        ({"when": "times", "days": ["1"], "start": "7pm"}, "Enter times as HH:MM"),
        (
            {"when": "times", "days": ["1"], "start": "21:00", "end": "18:00"},
            "end time must be after",
        ),
        ({"location": ""}, "Enter an address, a ZIP code or coordinates."),
    ],
)
def test_offer_form_errors_keep_what_was_typed(helper_client, helper, changes, message):
    response = helper_client.submit("/offers/new", _form(**changes))
    assert response.status_code == 400
    assert message in text_of(response)
    assert "I have a car" in response.get_data(as_text=True)
    assert db.session.scalars(select(Offer).where(Offer.helper_id == helper.id)).all() == []


def test_edit_pause_resume_delete(helper_client, helper):
    helper_client.submit("/offers/new", _form())
    offer = _only_offer(helper)
    page = helper_client.get(f"/offers/{offer.id}/edit").get_data(as_text=True)
    assert 'value="11211"' in page and "I have a car" in page
    helper_client.submit(f"/offers/{offer.id}/edit", _form(categories=["meals"], radius_km="2.5"))
    assert offer.categories == ["meals"] and offer.radius_km == 2.5
    helper_client.submit(f"/offers/{offer.id}/pause")
    assert offer.status == "paused"
    helper_client.submit(f"/offers/{offer.id}/resume")
    assert offer.status == "active"
    helper_client.submit(f"/offers/{offer.id}/delete")
    assert offer.status == "deleted"
    assert "You have not offered help yet." in text_of(helper_client.get("/offers/mine"))
    assert helper_client.get(f"/offers/{offer.id}/edit").status_code == 404


def test_others_cannot_touch_my_offer(helper_client, helper, outsider_client):
    helper_client.submit("/offers/new", _form())
    offer = _only_offer(helper)
    assert outsider_client.get(f"/offers/{offer.id}/edit").status_code == 404
    assert outsider_client.submit(f"/offers/{offer.id}/delete").status_code == 404
    assert offer.status == "active"


def test_availability_is_validated_by_the_domain_too():
    with pytest.raises(OfferError):
        normalise_availability({"any_time": False, "windows": []})
    assert normalise_availability(
        {"any_time": False, "windows": [{"days": [4, 0, 4], "start": "09:00", "end": "12:00"}]}
    ) == {"any_time": False, "windows": [{"days": [0, 4], "start": "09:00", "end": "12:00"}]}


def test_freshness_asks_after_n_days_then_expires(app):
    helper = make_person()
    offer = make_offer(helper, now=T0)
    asked, expired = freshen_offers(db.session, now=T0 + timedelta(days=29), confirm_days=30)
    assert asked == [] and expired == []
    asked, _ = freshen_offers(db.session, now=T0 + timedelta(days=30), confirm_days=30)
    assert asked == [offer] and offer.confirm_asked_at == T0 + timedelta(days=30)
    # Idempotent: asked once, not again.
    asked, _ = freshen_offers(db.session, now=T0 + timedelta(days=31), confirm_days=30)
    assert asked == []
    _, expired = freshen_offers(
        db.session, now=T0 + timedelta(days=44), confirm_days=30, expire_days=14
    )
    assert expired == [offer] and offer.status == "expired"
    _, expired = freshen_offers(db.session, now=T0 + timedelta(days=60), confirm_days=30)
    assert expired == []


def test_confirming_resets_the_clock(app):
    from mutualaid.offers import confirm_offer

    offer = make_offer(make_person(), now=T0)
    freshen_offers(db.session, now=T0 + timedelta(days=30), confirm_days=30)
    confirm_offer(db.session, offer, now=T0 + timedelta(days=31))
    assert offer.confirm_asked_at is None and offer.expires_at is None
    _, expired = freshen_offers(db.session, now=T0 + timedelta(days=50), confirm_days=30)
    assert expired == [] and offer.status == "active"


def test_the_web_banner_asks_and_one_click_confirms(helper_client, helper):
    helper_client.submit("/offers/new", _form())
    offer = _only_offer(helper)
    freshen_offers(db.session, now=datetime.now(UTC) + timedelta(days=31), confirm_days=30)
    page = text_of(helper_client.get("/offers/mine"))
    assert "Are you still available to help?" in page
    assert "Are you still available to help?" in text_of(helper_client.get("/needs/board"))
    helper_client.submit(f"/offers/{offer.id}/confirm")
    assert offer.confirm_asked_at is None
    assert "Are you still available" not in text_of(helper_client.get("/offers/mine"))
