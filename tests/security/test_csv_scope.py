"""CSV import is scoped like every other coordinator action (issue 16): a coordinator of
another area cannot overwrite area A's need or offer by naming its ``external_id``, cannot
attach A's neighbor to a row by email or phone (and so read her full contact in their own
exports), and a coordinator cannot move a need out into an area that is not theirs.

The scene (tests/security/scene.py): Rosa's need in Williamsburg (area A, Cora coordinates
it), Hal's offer 1 km away, Otto coordinates Far Rockaway (area B), Ada is an admin.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import Need, Offer, Person
from tests.conftest import login_as, text_of
from tests.security.scene import ADDRESS, EXACT, build_scene

NEUTRAL = "This person cannot be imported by you; ask an admin or a coordinator of their area."
ROSA_PHONE = "+17185550901"
IN_B = '"40.6010,-73.7510"'  # Far Rockaway (area B)
IN_A = '"40.7085,-73.9570"'
NEEDS_HEADER = "external_id,name,email,phone,category,urgency,people_needed,details,location\n"
OFFERS_HEADER = "external_id,name,email,phone,categories,radius_km,capacity,location\n"


@pytest.fixture
def scene(app):
    scene = build_scene()
    scene.need.external_id = "rosa-1"
    scene.offer.external_id = "hal-1"
    scene.people["owner"].phone = ROSA_PHONE  # the scene's 555-01xx numbers do not parse
    db.session.flush()
    return scene


def _client(app, scene, persona):
    return login_as(app.test_client(), scene.people[persona])


def _import(client, kind: str, body: str):
    response = client.post(
        "/coordinate/csv/import",
        data={
            "csrf_token": client.csrf_token(),
            "kind": kind,
            "file": (io.BytesIO(body.encode()), f"{kind}.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200
    return response


def _errors(response) -> dict[str, str]:
    """The "Rows not imported" table: line number -> problem."""
    html = response.get_data(as_text=True)
    return dict(re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td></tr>", html))


def _need_state(scene) -> tuple:
    db.session.expire_all()
    need = db.session.get(Need, scene.need.id)
    return (need.area_id, need.details, need.address_text, need.lat, need.lng, need.urgency)


def test_another_areas_coordinator_cannot_overwrite_a_need_by_external_id(app, scene):
    before = _need_state(scene)
    otto = _client(app, scene, "other_coordinator")
    response = _import(
        otto, "needs", NEEDS_HEADER + f"rosa-1,Otto's,o@example.org,,groceries,week,1,mine,{IN_B}\n"
    )
    assert "0 created, 0 updated, 0 unchanged, 1 with errors" in text_of(response)
    assert _errors(response) == {"2": "external_id “rosa-1” belongs to another area."}
    assert _need_state(scene) == before  # not edited, not moved into area B
    page = response.get_data(as_text=True)
    assert "Rosa" not in page and ADDRESS not in page and scene.need.code not in page


def test_another_areas_coordinator_cannot_overwrite_an_offer_by_external_id(app, scene):
    offer = scene.offer
    before = (offer.categories, offer.radius_km, offer.capacity, offer.lat, offer.lng)
    otto = _client(app, scene, "other_coordinator")
    response = _import(
        otto, "offers", OFFERS_HEADER + f"hal-1,Otto,o@example.org,,meals,9,3,{IN_B}\n"
    )
    assert _errors(response) == {"2": "external_id “hal-1” belongs to another area."}
    db.session.expire_all()
    offer = db.session.get(Offer, scene.offer.id)
    assert (offer.categories, offer.radius_km, offer.capacity, offer.lat, offer.lng) == before


def test_a_neighbor_of_area_a_cannot_be_attached_by_another_areas_coordinator(app, scene):
    rosa = scene.people["owner"]
    rosa.email = "rosa@example.org"
    db.session.flush()
    people = db.session.scalar(select(func.count()).select_from(Person))
    needs = db.session.scalar(select(func.count()).select_from(Need))
    otto = _client(app, scene, "other_coordinator")
    body = NEEDS_HEADER + (
        f"b-1,Rosa,,+1 718 555 0901,groceries,today,1,,{IN_B}\n"  # her phone
        f"b-2,Rosa,ROSA@example.org,,groceries,today,1,,{IN_B}\n"  # her email
        f"b-3,Rosa,new-rosa@example.org,+17185550901,groceries,today,1,,{IN_B}\n"  # new email
    )
    response = _import(otto, "needs", body)
    assert _errors(response) == {"2": NEUTRAL, "3": NEUTRAL, "4": NEUTRAL}
    offers = _import(
        otto, "offers", OFFERS_HEADER + f"b-4,Rosa,,+17185550901,groceries,2,1,{IN_B}\n"
    )
    assert _errors(offers) == {"2": NEUTRAL}
    # Nothing created: no need, and no second person with her phone or a new email.
    assert db.session.scalar(select(func.count()).select_from(Person)) == people
    assert db.session.scalar(select(func.count()).select_from(Need)) == needs
    assert db.session.scalar(select(Offer).where(Offer.external_id == "b-4")) is None
    # Otto's exports never carry her full phone or email.
    for kind in ("needs", "offers", "people"):
        text = otto.get(f"/coordinate/csv/export/{kind}.csv").get_data(as_text=True)
        assert "7185550901" not in text and "rosa@example.org" not in text, kind


def test_the_refusal_reads_the_same_for_a_stranger_only_elsewhere(app, scene):
    """The message names nobody and says nothing about the other area's record; people
    import uses the same words."""
    otto = _client(app, scene, "other_coordinator")
    response = _import(otto, "people", "name,phone\nRosa,+17185550901\n")
    assert _errors(response) == {"2": NEUTRAL}
    assert "Williamsburg" not in text_of(response) and "Rosa Requester" not in text_of(response)


def test_a_coordinator_cannot_move_a_need_into_another_area(app, scene):
    before = _need_state(scene)
    cora = _client(app, scene, "coordinator")
    rosa = scene.people["owner"]
    body = NEEDS_HEADER + (
        f"rosa-1,Rosa,,{rosa.phone},groceries,today,2,moved,{IN_B}\n"
        f"a-2,Rosa,,{rosa.phone},groceries,today,1,new,{IN_B}\n"
    )
    response = _import(cora, "needs", body)
    outside = "This location is outside the areas you coordinate."
    assert _errors(response) == {"2": outside, "3": outside}
    assert _need_state(scene) == before
    assert db.session.scalar(select(Need).where(Need.external_id == "a-2")) is None
    # Inside her own area the same file updates the need and adds Rosa's second one.
    fine = _import(cora, "needs", body.replace(IN_B, IN_A))
    assert "1 created, 1 updated, 0 unchanged, 0 with errors" in text_of(fine)
    db.session.expire_all()
    need = db.session.get(Need, scene.need.id)
    assert need.details == "moved" and need.area_id == before[0]
    assert (need.lat, need.lng) != EXACT


def test_an_admin_imports_across_areas(app, scene):
    ada = _client(app, scene, "admin")
    rosa = scene.people["owner"]
    body = NEEDS_HEADER + f"rosa-1,Rosa,,{rosa.phone},groceries,today,2,by admin,{IN_B}\n"
    assert "0 created, 1 updated" in text_of(_import(ada, "needs", body))
    db.session.expire_all()
    need = db.session.get(Need, scene.need.id)
    assert need.details == "by admin" and need.area_id != scene.people["coordinator"].areas[0].id
