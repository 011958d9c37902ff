"""API needs: who may read, post, change, cancel, resolve and see matches (each persona)."""

from __future__ import annotations

import pytest

from mutualaid.extensions import db
from mutualaid.models import Need, Notification
from tests.api.conftest import ADDRESS, problem
from tests.factories import make_person
from tests.pod_scene import make_helper


def _who(scene, name):
    return getattr(scene, name)


# --- reading ------------------------------------------------------------------------------

PRIVATE_READERS = ["requester", "seated", "coordinator", "admin"]
PUBLIC_READERS = ["invited", "outsider", "other_coordinator"]


@pytest.mark.parametrize("persona", PRIVATE_READERS)
def test_people_the_web_trusts_see_the_exact_place_and_details(scene, api_as, persona):
    response = api_as(_who(scene, persona)).get(f"/needs/{scene.need.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["private"]["address_text"] == ADDRESS
    assert (body["private"]["lat"], body["private"]["lng"]) == (scene.need.lat, scene.need.lng)
    assert body["private"]["details"] == "milk, bread, rice"
    assert body["private"]["pod_id"] == scene.pod.id
    assert body["public_location"] == {"lat": 40.71, "lng": -73.96}


@pytest.mark.parametrize("persona", PUBLIC_READERS)
def test_others_see_only_the_public_board_entry(scene, api_as, persona):
    response = api_as(_who(scene, persona)).get(f"/needs/{scene.need.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["private"] is None
    assert body["public_location"] == {"lat": 40.71, "lng": -73.96}
    assert body["first_name"] == "Maria" and body["category"] == "groceries"


def test_a_closed_need_does_not_exist_for_outsiders(scene, api_as):
    scene.need.status = "resolved"
    db.session.commit()
    assert api_as(scene.requester).get(f"/needs/{scene.need.id}").status_code == 200
    for persona in PUBLIC_READERS:
        response = api_as(_who(scene, persona)).get(f"/needs/{scene.need.id}")
        assert response.status_code == 404, persona
        assert problem(response)["type"].endswith("#not-found")


def test_unknown_and_absurd_ids_are_404(scene, api_as):
    api = api_as(scene.requester)
    for url in ("/needs/999999", f"/needs/{2**31}", f"/needs/{10**30}"):
        assert api.get(url).status_code == 404, url


def test_anonymous_and_revoked_tokens_get_401(scene, api_as):
    from mutualaid.api_tokens import find_active, revoke

    anonymous = api_as(None).get(f"/needs/{scene.need.id}")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="mutualaid"'
    api = api_as(scene.requester)
    revoke(db.session, find_active(db.session, api.token))
    db.session.commit()
    revoked = api.get(f"/needs/{scene.need.id}")
    assert revoked.status_code == 401
    assert 'error="invalid_token"' in revoked.headers["WWW-Authenticate"]
    assert ADDRESS not in revoked.get_data(as_text=True)


# --- posting ------------------------------------------------------------------------------


def test_posting_with_a_point_forms_the_pod_like_the_web(scene, api_as):
    helper = make_helper("Hal Nearby", 0.3)
    db.session.commit()
    api = api_as(scene.outsider)
    response = api.post(
        "/needs",
        {
            "category": "groceries",
            "urgency": "now",
            "details": "bread ☕ 𝄞",
            "location": {"lat": 40.7085, "lng": -73.9575},
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert response.headers["Location"] == f"/api/v1/needs/{body['id']}"
    need = db.session.get(Need, body["id"])
    assert need.requester_id == scene.outsider.id and need.details == "bread ☕ 𝄞"
    assert body["status"] == "forming" and body["private"]["pod_id"] is not None
    assert body["area"]["slug"] == "williamsburg"
    invited = db.session.query(Notification).filter_by(person_id=helper.id).count()
    assert invited == 1  # the same formation as a web post: the nearby helper is asked


def test_posting_with_a_postal_code_geocodes_through_the_chain(scene, api_as):
    response = api_as(scene.outsider).post(
        "/needs", {"category": "meals", "location": {"query": "11211"}}
    )
    assert response.status_code == 201
    private = response.get_json()["private"]
    assert private["location_status"] == "ok" and private["address_text"] == "11211"
    assert private["lat"] == pytest.approx(40.71, abs=0.02)


def test_unknown_place_is_a_field_error(scene, api_as):
    response = api_as(scene.outsider).post(
        "/needs", {"category": "meals", "location": {"query": "00000"}}
    )
    assert response.status_code == 422
    assert problem(response)["errors"][0]["pointer"] == "/location/query"


def test_geocoder_outage_saves_the_need_as_pending_and_says_so(
    scene, api_as, fake_geocoder, nominatim
):
    nominatim.mode = "down"
    response = api_as(scene.outsider).post(
        "/needs", {"category": "meals", "location": {"query": "100 Bedford Ave, Brooklyn"}}
    )
    assert response.status_code == 201
    body = response.get_json()
    assert body["private"]["location_status"] == "pending"
    assert body["private"]["address_text"] == "100 Bedford Ave, Brooklyn"
    assert "not answering right now" in body["notices"][0]
    assert body["public_location"] is None


def test_field_errors_point_at_the_fields(scene, api_as):
    response = api_as(scene.outsider).post(
        "/needs",
        {"category": "plumbing", "people_needed": 99, "location": {"lat": "north", "lng": 0}},
    )
    assert response.status_code == 422
    pointers = {e["pointer"] for e in problem(response)["errors"]}
    assert pointers == {"/category", "/people_needed", "/location/lat"}


# --- changing -------------------------------------------------------------------------------


def test_requester_edits_only_the_fields_given(scene, api_as):
    response = api_as(scene.requester).patch(
        f"/needs/{scene.need.id}", {"details": "just milk", "people_needed": 3}
    )
    assert response.status_code == 200, response.get_json()
    db.session.refresh(scene.need)
    assert (scene.need.details, scene.need.people_needed) == ("just milk", 3)
    assert scene.need.category == "groceries" and scene.need.address_text == ADDRESS


@pytest.mark.parametrize("persona", PUBLIC_READERS)
def test_people_who_only_see_the_board_get_403_on_changes(scene, api_as, persona):
    api = api_as(_who(scene, persona))
    assert api.patch(f"/needs/{scene.need.id}", {"details": "x"}).status_code == 403
    assert api.post(f"/needs/{scene.need.id}/cancel").status_code == 403
    assert api.post(f"/needs/{scene.need.id}/resolve").status_code == 403
    db.session.refresh(scene.need)
    assert scene.need.status == "forming" and scene.need.details == "milk, bread, rice"


def test_cancel_closes_the_pod_and_a_second_cancel_is_a_conflict(scene, api_as):
    api = api_as(scene.requester)
    response = api.post(f"/needs/{scene.need.id}/cancel")
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    db.session.refresh(scene.pod)
    assert scene.pod.status == "dissolved"
    again = api.post(f"/needs/{scene.need.id}/cancel")
    assert again.status_code == 409 and problem(again)["type"].endswith("#conflict")
    assert api.patch(f"/needs/{scene.need.id}", {"details": "x"}).status_code == 409


def test_coordinator_of_the_area_may_resolve_as_on_the_web(scene, api_as):
    response = api_as(scene.coordinator).post(f"/needs/{scene.need.id}/resolve")
    assert response.status_code == 200 and response.get_json()["status"] == "resolved"


# --- matches ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["coordinator", "admin"])
def test_matches_for_coordinators_of_the_area(scene, api_as, persona):
    fresh = make_helper("Nia Fresh", 1.5)  # not yet invited, so the matcher ranks her
    db.session.commit()
    response = api_as(_who(scene, persona)).get(f"/needs/{scene.need.id}/matches")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [m["person_id"] for m in items] == [fresh.id]
    match = items[0]
    assert match["first_name"] == "Nia"
    assert match["distance_km"] == pytest.approx(1.5, abs=0.1)
    assert match["score"] > 0 and match["reasons"]


@pytest.mark.parametrize(
    "persona", ["requester", "seated", "invited", "outsider", "other_coordinator"]
)
def test_matches_are_forbidden_to_everyone_else(scene, api_as, persona):
    response = api_as(_who(scene, persona)).get(f"/needs/{scene.need.id}/matches")
    assert response.status_code == 403
    assert problem(response)["type"].endswith("#forbidden")


def test_suspended_people_lose_api_access(scene, api_as):
    from mutualaid.models import utcnow

    person = make_person(name="Sue Spended")
    db.session.commit()
    api = api_as(person)
    assert api.get("/me").status_code == 200
    person.suspended_at = utcnow()
    db.session.commit()
    assert api.get("/me").status_code == 401
