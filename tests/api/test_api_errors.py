"""Bad input never gives a 500: problem documents for malformed JSON, wrong types, huge
numbers and odd Unicode; rate limits answer 429 with Retry-After; the OpenAPI document
and its page."""

from __future__ import annotations

import contextlib
import json
import os
import uuid

import pytest
import redis
from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import Need
from tests.api.conftest import ApiClient, problem
from tests.conftest import IN_CI
from tests.factories import make_token

GOOD = {"category": "groceries", "location": {"lat": 40.7085, "lng": -73.9575}}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        ("{", 400),
        ("[1, 2", 400),
        ("\x00", 400),
        ('"just a string"', 422),
        ("[]", 422),
        ("null", 422),
        ("1" * 5000, 400),  # past Python's int-digits limit
        ("[" * 5000 + "]" * 5000, 400),  # deep nesting
    ],
)
def test_malformed_bodies_are_problems(scene, api_as, raw, status):
    response = api_as(scene.outsider).post("/needs", raw=raw)
    assert response.status_code == status, response.get_data(as_text=True)[:200]
    problem(response)


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"category": 7}, "/category"),
        ({"people_needed": "two"}, "/people_needed"),
        ({"people_needed": 10**40}, "/people_needed"),
        ({"people_needed": 2.5}, "/people_needed"),
        ({"urgency": None}, "/urgency"),
        ({"details": "a\x00b"}, "/details"),
        ({"details": "x" * 2001}, "/details"),
        ({"location": {"lat": 1e400, "lng": 0}}, "/location/lat"),
        ({"location": {"lat": float("nan"), "lng": 0}}, "/location/lat"),
        ({"location": {"query": ""}}, "/location/query"),
        ({"location": "11211"}, "/location"),
        ({"surprise": True}, "/surprise"),
    ],
)
def test_wrong_types_and_values_are_field_errors(scene, api_as, change, pointer):
    count = db.session.scalar(select(func.count()).select_from(Need))
    body = json.dumps({**GOOD, **change}, allow_nan=True)
    response = api_as(scene.outsider).post("/needs", raw=body)
    assert response.status_code == 422, response.get_data(as_text=True)
    assert pointer in [e["pointer"] for e in problem(response)["errors"]]
    assert db.session.scalar(select(func.count()).select_from(Need)) == count


def test_lone_surrogates_are_refused_not_stored(scene, api_as):
    response = api_as(scene.outsider).post(
        "/needs",
        raw='{"category": "groceries", "details": "\\ud800", "location": '
        '{"lat": 40.7, "lng": -73.9}}',
    )
    assert response.status_code == 422
    assert problem(response)["errors"][0]["pointer"] == "/details"


def test_unicode_text_round_trips(scene, api_as):
    text = "Necesito ayuda — 食べ物 🍞 עזרה"
    response = api_as(scene.outsider).post("/needs", {**GOOD, "details": text})
    assert response.status_code == 201
    assert response.get_json()["private"]["details"] == text


def test_non_json_content_type_is_415(scene, api_as):
    response = api_as(scene.outsider).post(
        "/needs", raw="category=groceries", headers={"Content-Type": "text/plain"}
    )
    assert response.status_code == 415 and problem(response)


def test_unknown_paths_and_methods_are_problems_too(scene, api_as):
    api = api_as(scene.outsider)
    assert problem(api.get("/nothing-here"))["status"] == 404
    assert problem(api.call("PUT", f"/needs/{scene.need.id}"))["status"] == 405


def test_rate_limit_answers_429_with_retry_after_per_token(scene, api_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    first, second = api_as(scene.outsider), api_as(scene.requester)
    assert [first.get("/me").status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get("/me")
    assert limited.status_code == 429
    assert int(limited.headers["Retry-After"]) > 0
    assert problem(limited)["status"] == 429
    assert second.get("/me").status_code == 200  # another token has its own budget


@contextlib.contextmanager
def other_app(app, **env):
    """A second app on the same database with other limiter settings, and a person with a
    token in it (committed for real, purged afterwards)."""
    from mutualaid import create_app
    from tests.cleanup import purge_people
    from tests.conftest import TEST_ENV
    from tests.factories import make_person

    other = create_app({**TEST_ENV, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], **env})
    with other.app_context():
        person = make_person(name="Otto Therapp")
        secret = make_token(person)
        db.session.commit()
        person_id = person.id
    try:
        yield other, ApiClient(other.test_client(), secret)
    finally:
        with other.app_context():
            purge_people(db.session, [person_id])
            db.engine.dispose()


@pytest.mark.committed
def test_rate_limits_can_live_in_redis(app):
    """RATELIMIT_STORAGE_URL=redis://... shares the budget between processes. Outside CI a
    missing Redis skips (with the reason); under CI=true it fails the test."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        client.close()
        reason = f"Redis is not reachable at {url} ({exc}): start redis-server"
        if IN_CI:
            pytest.fail(f"CI=true requires Redis for this test. {reason}", pytrace=False)
        pytest.skip(reason)
    prefix = f"rl-test-{uuid.uuid4().hex[:8]}"
    try:
        with other_app(app, RATELIMIT_STORAGE_URL=url, API_RATE_LIMIT="2 per minute") as (
            other,
            api,
        ):
            other.extensions["api_limiter"]._key_prefix = prefix
            assert [api.get("/me").status_code for _ in range(3)] == [200, 200, 429]
            assert client.keys(f"*{prefix}*"), "the counter lives in Redis"
    finally:
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        client.close()


@pytest.mark.committed
def test_an_unreachable_redis_does_not_take_the_api_down(app):
    """Limits fall back to this process's memory; requests still get answers."""
    nowhere = "redis://127.0.0.1:1/0"  # nothing listens there
    with other_app(app, RATELIMIT_STORAGE_URL=nowhere, API_RATE_LIMIT="2 per minute") as (
        _other,
        api,
    ):
        assert [api.get("/me").status_code for _ in range(3)] == [200, 200, 429]


def test_openapi_document_describes_every_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {
        (f"/api/v1{path}", method.upper()) for path, ops in doc["paths"].items() for method in ops
    }
    routed = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.endpoint not in (
            "api.openapi_json",
            "api.docs",
        ):
            path = rule.rule.replace("<int:", "{").replace(">", "}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == routed
    create = doc["paths"]["/needs"]["post"]
    assert create["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "/NeedCreate"
    )
    assert "application/problem+json" in create["responses"]["422"]["content"]
    assert doc["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_openapi_schemas_are_the_ones_the_code_validates_with(client):
    from mutualaid.web.api.schemas import NeedCreate

    doc = client.get("/api/v1/openapi.json").get_json()
    published = doc["components"]["schemas"]["NeedCreate"]
    assert set(published["properties"]) == set(NeedCreate.model_fields)
    assert published["properties"]["people_needed"]["anyOf"][0]["maximum"] == 15


def test_docs_page_lists_the_endpoints_without_scripts(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "POST /api/v1/needs" in html and "GET /api/v1/needs/{need_id}/matches" in html
    assert 'id="validation-error"' in html  # problem "type" URIs resolve to this page
    assert "<script" not in html and "https://" not in html.split("<main", 1)[1]
