"""API fixtures: a client that speaks JSON with a bearer token, and a scene with areas,
coordinators, a need with a pod (one seated helper, one invited), and its people."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from mutualaid.extensions import db
from mutualaid.models import Need, Person, Pod
from mutualaid.pods.formation import start_pod
from mutualaid.pods.seating import accept
from tests.factories import make_area, make_person, make_token
from tests.pod_scene import make_helper, make_need

ADDRESS = "12 Berry St, Brooklyn"
EXACT = (40.7081, -73.9571)  # HOME: the need's exact point


class ApiClient:
    """JSON requests to /api/v1 with ``Authorization: Bearer <token>`` (or none)."""

    def __init__(self, client, token: str | None):
        self.client = client
        self.token = token

    def _headers(self, extra=None):
        headers = {"Accept": "application/json"}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def call(self, method: str, path: str, body=None, *, raw=None, headers=None, **kw):
        url = path if path.startswith("/api/") else f"/api/v1{path}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        extra = dict(headers or {})
        if data is not None:
            extra.setdefault("Content-Type", "application/json")
        return self.client.open(url, method=method, data=data, headers=self._headers(extra), **kw)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.call("POST", path, body, **kw)

    def patch(self, path, body=None, **kw):
        return self.call("PATCH", path, body, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


@pytest.fixture
def api_as(app):
    """api_as(person) -> ApiClient with a fresh token; api_as(None) -> anonymous."""

    def make(person: Person | None, token: str | None = None) -> ApiClient:
        if person is not None and token is None:
            token = make_token(person)
            db.session.commit()
        return ApiClient(app.test_client(), token)

    return make


@dataclass
class Scene:
    requester: Person
    seated: Person
    invited: Person
    outsider: Person
    coordinator: Person  # of the need's area
    other_coordinator: Person  # of another area
    admin: Person
    need: Need
    pod: Pod
    area_id: int
    other_area_id: int


@pytest.fixture
def scene(neighbor, helper, outsider, coordinator, admin) -> Scene:
    area = make_area(
        slug="williamsburg",
        name="Williamsburg",
        center_lat=40.7100,  # public; deliberately not the need's exact point
        center_lng=-73.9600,
        radius_km=5.0,
    )
    other = make_area(slug="astoria", name="Astoria", center_lat=40.7644, center_lng=-73.9235)
    coordinator.areas = [area]
    other_coordinator = make_person("coordinator", name="Kim Other")
    other_coordinator.areas = [other]
    seated = make_helper("Sam Seated", 0.5)
    invited = make_helper("Ivy Invited", 1.0)
    need = make_need(
        neighbor, people_needed=2, area_id=area.id, address=ADDRESS, details="milk, bread, rice"
    )
    pod = start_pod(db.session, need)
    assert accept(db.session, pod, seated).seated
    db.session.commit()
    return Scene(
        requester=neighbor,
        seated=seated,
        invited=invited,
        outsider=outsider,
        coordinator=coordinator,
        other_coordinator=other_coordinator,
        admin=admin,
        need=need,
        pod=pod,
        area_id=area.id,
        other_area_id=other.id,
    )


def problem(response) -> dict:
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
    body = response.get_json(force=True)
    assert body["status"] == response.status_code
    return body
