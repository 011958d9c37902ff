"""API offers: an offer is its helper's alone; create, change, pause/resume, delete."""

from __future__ import annotations

import pytest

from mutualaid.extensions import db
from mutualaid.models import Offer
from tests.api.conftest import problem

NEW = {
    "categories": ["groceries", "errands"],
    "radius_km": 2.5,
    "availability": {
        "any_time": False,
        "windows": [{"days": [0, 2], "start": "18:00", "end": "21:00"}],
    },
    "capacity": 2,
    "notes": "Car on weekends",
    "location": {"lat": 40.7150, "lng": -73.9540},
}


@pytest.fixture
def offer(helper, api_as):
    api = api_as(helper)
    response = api.post("/offers", NEW)
    assert response.status_code == 201, response.get_json()
    return api, response.get_json()


def test_creating_an_offer_stores_what_was_sent(offer, helper):
    _api, body = offer
    row = db.session.get(Offer, body["id"])
    assert row.helper_id == helper.id and row.categories == ["errands", "groceries"]
    assert row.availability == NEW["availability"] and row.capacity == 2
    assert body["location"]["lat"] == 40.7150 and body["location"]["public"] is not None
    assert body["status"] == "active"


def test_offers_are_private_to_their_helper(offer, api_as, outsider, coordinator, admin):
    _api, body = offer
    for person in (outsider, coordinator, admin):
        other = api_as(person)
        assert other.get(f"/offers/{body['id']}").status_code == 404
        assert other.patch(f"/offers/{body['id']}", {"notes": "x"}).status_code == 404
        assert other.delete(f"/offers/{body['id']}").status_code == 404
        assert body["id"] not in [o["id"] for o in other.get("/offers").get_json()["items"]]


def test_patch_changes_only_the_given_fields_and_pauses_and_resumes(offer):
    api, body = offer
    response = api.patch(f"/offers/{body['id']}", {"notes": "Bike only", "status": "paused"})
    assert response.status_code == 200
    row = db.session.get(Offer, body["id"])
    assert (row.notes, row.status, row.capacity) == ("Bike only", "paused", 2)
    assert api.patch(f"/offers/{body['id']}", {"status": "active"}).get_json()["status"] == (
        "active"
    )


def test_domain_rules_become_field_errors(offer):
    api, body = offer
    response = api.patch(
        f"/offers/{body['id']}",
        {
            "availability": {
                "any_time": False,
                "windows": [{"days": [1], "start": "21:00", "end": "18:00"}],
            }
        },
    )
    assert response.status_code == 422
    assert problem(response)["errors"][0]["field"].startswith("availability")


def test_delete_then_it_is_gone(offer):
    api, body = offer
    assert api.delete(f"/offers/{body['id']}").status_code == 204
    assert db.session.get(Offer, body["id"]).status == "deleted"
    assert api.get(f"/offers/{body['id']}").status_code == 404
    assert api.get("/offers").get_json()["items"] == []


def test_list_filters_by_status_and_category(offer):
    api, body = offer
    second = api.post("/offers", {**NEW, "categories": ["meals"]}).get_json()
    api.patch(f"/offers/{second['id']}", {"status": "paused"})
    ids = lambda q: [o["id"] for o in api.get(f"/offers{q}").get_json()["items"]]  # noqa: E731
    assert ids("") == [second["id"], body["id"]]
    assert ids("?status=paused") == [second["id"]]
    assert ids("?category=groceries") == [body["id"]]
    assert ids("?near=40.7150,-73.9540&radius_km=1") == [second["id"], body["id"]]
    assert ids("?near=40.80,-73.90&radius_km=1") == []
