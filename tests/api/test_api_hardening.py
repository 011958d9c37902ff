"""Issue 16, finding 12: tokens expire and have a scope, private answers are never cached,
numbers are numbers (not booleans), and unsupported methods answer 405 with Allow."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mutualaid.api_tokens import create_token
from mutualaid.extensions import db
from mutualaid.models import ApiToken, Need, utcnow
from tests.api.conftest import problem
from tests.conftest import login_as, text_of

POINT = {"lat": 40.7085, "lng": -73.9575}


def _token(person, scope="write", days=90, now=None) -> str:
    _row, secret = create_token(db.session, person, "t", scope=scope, days=days, now=now)
    db.session.commit()
    return secret


# --- expiry -----------------------------------------------------------------------------------


def test_a_new_token_expires_after_api_token_days(app, neighbor):
    _token(neighbor)
    token = db.session.scalar(select(ApiToken).where(ApiToken.person_id == neighbor.id))
    assert timedelta(days=89, hours=23) < token.expires_at - token.created_at <= timedelta(days=90)


def test_an_expired_token_answers_401_problem_json(api_as, neighbor):
    secret = _token(neighbor, days=1, now=utcnow() - timedelta(days=1, seconds=1))
    response = api_as(None, token=secret).get("/me")
    assert response.status_code == 401
    assert problem(response)["type"].endswith("#unauthorized")
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_a_token_still_in_date_works(api_as, neighbor):
    secret = _token(neighbor, days=1, now=utcnow() - timedelta(hours=23))
    assert api_as(None, token=secret).get("/me").status_code == 200


def test_the_profile_page_creates_tokens_for_the_days_the_setting_says(app, neighbor):
    from dataclasses import replace

    previous = app.config["MUTUALAID"]
    app.config["MUTUALAID"] = replace(previous, api_token_days=7)
    try:
        client = login_as(app.test_client(), neighbor)
        response = client.submit("/account/tokens", {"name": "weekly", "scope": "read"})
    finally:
        app.config["MUTUALAID"] = previous
    assert response.status_code == 200
    token = db.session.scalar(select(ApiToken).where(ApiToken.name == "weekly"))
    assert token.scope == "read"
    assert timedelta(days=6, hours=23) < token.expires_at - token.created_at <= timedelta(days=7)
    listing = text_of(client.get("/account/tokens"))
    assert "read only" in listing and "Expires" in listing and "Last used" in listing


# --- scope ------------------------------------------------------------------------------------


def test_a_read_token_reads_but_cannot_write(api_as, neighbor):
    reader = api_as(None, token=_token(neighbor, scope="read"))
    assert reader.get("/me").status_code == 200
    assert reader.get("/needs").status_code == 200
    response = reader.post("/needs", {"category": "meals", "location": POINT})
    assert response.status_code == 403
    assert problem(response)["type"].endswith("#forbidden")
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]
    assert db.session.scalar(select(Need).where(Need.requester_id == neighbor.id)) is None


def test_a_read_token_cannot_patch_cancel_or_delete(api_as, neighbor):
    writer = api_as(None, token=_token(neighbor, scope="write"))
    need = writer.post("/needs", {"category": "meals", "location": POINT}).get_json()
    offer = writer.post("/offers", {"categories": ["meals"], "location": POINT}).get_json()
    reader = api_as(None, token=_token(neighbor, scope="read"))
    for method, path, body in (
        ("PATCH", f"/needs/{need['id']}", {"details": "changed"}),
        ("POST", f"/needs/{need['id']}/cancel", None),
        ("PATCH", f"/offers/{offer['id']}", {"notes": "changed"}),
        ("DELETE", f"/offers/{offer['id']}", None),
    ):
        assert reader.call(method, path, body).status_code == 403, (method, path)
    assert writer.get(f"/needs/{need['id']}").get_json()["status"] != "cancelled"
    assert writer.get(f"/offers/{offer['id']}").status_code == 200


def test_existing_style_tokens_default_to_write(api_as, neighbor):
    writer = api_as(neighbor)  # tests.factories.make_token: create_token's defaults
    assert writer.post("/needs", {"category": "meals", "location": POINT}).status_code == 201


def test_the_openapi_document_lists_403_on_writes(api_as):
    doc = api_as(None).get("/openapi.json").get_json()
    assert "403" in doc["paths"]["/needs"]["post"]["responses"]
    assert "403" not in doc["paths"]["/needs"]["get"]["responses"]


# --- caching ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/me", "/needs", "/categories", "/areas", "/no-such-thing"])
def test_private_api_answers_are_never_cached(api_as, neighbor, path):
    response = api_as(neighbor).get(path)
    assert response.headers["Cache-Control"] == "no-store"


def test_an_unauthenticated_api_answer_is_not_cached_either(api_as):
    assert api_as(None).get("/me").headers["Cache-Control"] == "no-store"


def test_the_published_description_may_be_cached(client):
    for path in ("/api/v1/openapi.json", "/api/v1/docs"):
        assert "no-store" not in client.get(path).headers.get("Cache-Control", ""), path


# --- strict numbers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"category": "meals", "location": {"lat": 40.7, "lng": False}}, "/location/lng"),
        ({"category": "meals", "location": {"lat": True, "lng": -73.9}}, "/location/lat"),
        ({"category": "meals", "location": {"lat": "40.7", "lng": -73.9}}, "/location/lat"),
        ({"category": "meals", "people_needed": True, "location": POINT}, "/people_needed"),
        ({"category": "meals", "people_needed": 2.0, "location": POINT}, "/people_needed"),
    ],
)
def test_booleans_and_strings_are_not_numbers(api_as, neighbor, body, pointer):
    response = api_as(neighbor).post("/needs", body)
    assert response.status_code == 422
    assert pointer in {e["pointer"] for e in problem(response)["errors"]}


def test_offer_numbers_refuse_booleans_too(api_as, helper):
    body = {"categories": ["meals"], "radius_km": True, "location": POINT}
    response = api_as(helper).post("/offers", body)
    assert response.status_code == 422
    assert "/radius_km" in {e["pointer"] for e in problem(response)["errors"]}
    body = {"categories": ["meals"], "availability": {"any_time": 1}, "location": POINT}
    assert api_as(helper).post("/offers", body).status_code == 422


def test_whole_numbers_are_still_fine_where_decimals_are_expected(api_as, helper):
    body = {"categories": ["meals"], "radius_km": 2, "location": {"lat": 40, "lng": -74}}
    assert api_as(helper).post("/offers", body).status_code == 201


def test_query_strings_are_still_read_as_text(api_as, neighbor):
    response = api_as(neighbor).get("/needs?near=40.7,-73.9&radius_km=2&limit=5")
    assert response.status_code == 200


# --- methods ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["TRACE", "PUT", "DELETE"])
def test_unsupported_methods_answer_405_with_allow(api_as, neighbor, method):
    response = api_as(neighbor).call(method, "/me")
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET"}
    assert "TRACE" not in response.headers["Allow"]


def test_trace_on_a_web_page_answers_405_with_allow(client):
    response = client.open("/", method="TRACE")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
