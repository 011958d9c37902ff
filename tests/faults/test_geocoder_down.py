"""Fault: the geocoder is down (refusing connections, answering 503, or hanging).

Needs and offers posted meanwhile are saved as pending, the person is told, nothing is lost;
once the service is back the retry job resolves them and the needs get their pods (before
the fix found here, a need resolved by the retry job never started matching).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Membership, Need, Offer, Pod, utcnow
from mutualaid.sweeps import retry_pending_locations
from tests.conftest import login_as, text_of
from tests.factories import make_person
from tests.fakes.nominatim import FakePlace

PLACES = {
    "100 bedford ave": FakePlace(40.7169, -73.9590, "100, Bedford Avenue, Brooklyn"),
    "455 union ave": FakePlace(40.7131, -73.9510, "455, Union Avenue, Brooklyn"),
}


def _need_form(location):
    return {
        "category": "groceries",
        "urgency": "today",
        "people_needed": "1",
        "details": "Milk and bread",
        "location": location,
        "contact_preference": "web",
    }


def _offer_form(location):
    return {
        "categories": ["groceries"],
        "radius_km": "5",
        "when": "any",
        "start": "18:00",
        "end": "21:00",
        "capacity": "2",
        "location": location,
        "notes": "",
    }


@pytest.mark.parametrize("outage", ["stopped", "down", "timeout"])
def test_posts_during_an_outage_are_kept_and_matched_after_recovery(
    app, fake_geocoder, nominatim, outage
):
    if outage == "stopped":
        nominatim.stop()  # connection refused
    else:
        nominatim.mode, nominatim.delay = outage, 1.5
    helper = make_person(name="Hana Helper")
    requesters = [make_person(name=f"Req{i} Test") for i in range(3)]
    db.session.commit()

    helper_client = login_as(app.test_client(), helper)
    response = helper_client.submit("/offers/new", _offer_form("455 Union Ave, Brooklyn"))
    assert response.status_code in (302, 303)
    for person in requesters:
        client = login_as(app.test_client(), person)
        response = client.submit(
            "/needs/new", _need_form("100 Bedford Ave, Brooklyn"), follow_redirects=True
        )
        assert response.status_code == 200
        assert "not answering right now" in text_of(response)

    needs = db.session.scalars(
        select(Need).where(Need.requester_id.in_([p.id for p in requesters]))
    ).all()
    [offer] = db.session.scalars(select(Offer).where(Offer.helper_id == helper.id)).all()
    assert len(needs) == 3
    assert all(n.location_status == "pending" and n.lat is None for n in needs)
    assert offer.location_status == "pending"
    assert db.session.scalars(select(Pod).where(Pod.need_id.in_([n.id for n in needs]))).all() == []

    # Recovery.
    geocoder = fake_geocoder
    if outage == "stopped":
        from mutualaid.geo.geocoding import Geocoder

        nominatim.start()  # back, on a new port, as after a restart of the service
        geocoder = Geocoder(
            chain=("latlng", "postal", "nominatim"),
            country="US",
            nominatim_url=nominatim.url,
            timeout=1.0,
            min_delay_seconds=0.0,
        )
    nominatim.mode = "ok"
    for query, place in PLACES.items():
        nominatim.add(query, place)
    counts = retry_pending_locations(db.session, geocoder, now=utcnow() + timedelta(hours=1))
    assert counts == {"resolved": 4, "failed": 0, "still_pending": 0}
    assert offer.location_status == "ok" and offer.lat == 40.7131
    for need in needs:
        assert (need.location_status, need.lat) == ("ok", 40.7169)
        pod = db.session.scalar(select(Pod).where(Pod.need_id == need.id))
        assert pod is not None, "the need found after the outage never started matching"
        invited = db.session.scalars(
            select(Membership.person_id).where(Membership.pod_id == pod.id)
        ).all()
        assert helper.id in invited
