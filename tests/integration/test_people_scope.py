"""Coordinators see only the people of their areas (mutualaid.policy): the
directory lists them, and person pages, suspend and merge answer 404 for anyone else."""

from __future__ import annotations

import pytest

from mutualaid.extensions import db
from mutualaid.models import Membership, Person, SmsMessage
from mutualaid.models.messages import INBOUND
from mutualaid.pods.formation import start_pod
from tests.conftest import login_as, text_of
from tests.coordinate_scene import two_areas
from tests.factories import make_person, make_raw_offer
from tests.pod_scene import HOME, make_need, offset


@pytest.fixture
def scene(coordinator):
    return two_areas(coordinator)


@pytest.fixture
def people(scene):
    """One person per way of belonging to Eastside (Lee's), and some who do not."""
    resident = make_person(name="Rae Resident")
    resident.home_area_id = scene.east.id
    asker = make_person(name="Ann Asker")
    make_need(asker, code="ASK1", area_id=scene.east.id)
    lat, lng = offset(0.5)
    offerer = make_person(name="Ollie Offerer")
    make_raw_offer(offerer, lat=lat, lng=lng)
    texter = make_person(name="Tex Unplaced", email=None, password=None, phone="+17185550777")
    db.session.add(
        SmsMessage(
            direction=INBOUND,
            from_number=texter.phone,
            to_number="+15550000000",
            body="hello?",
            person_id=texter.id,
        )
    )
    westerner = make_person(name="Wanda Westerner")
    make_need(westerner, code="WST1", area_id=scene.west.id)
    far_offer = make_person(name="Finn Faraway")
    make_raw_offer(far_offer, lat=HOME[0], lng=HOME[1] - 0.25)  # Westside's centre
    placed_texter = make_person(name="Pat Placed", email=None, password=None, phone="+17185550778")
    placed_texter.home_area_id = scene.west.id
    db.session.add(
        SmsMessage(
            direction=INBOUND,
            from_number=placed_texter.phone,
            to_number="+15550000000",
            body="hi",
            person_id=placed_texter.id,
        )
    )
    # Signed up, nothing else: belongs to no area, so an admin's to see (issue 16: a
    # throwaway account visible to every coordinator was the first step of a takeover).
    loner = make_person(name="Lou Loner")
    # Texted in with no home area but asked for help in Westside: Westside's, not everyone's
    # (issue 16: any coordinator could read her texts and exact address).
    west_texter = make_person(name="Wes Texter", email=None, password=None, phone="+17185550779")
    make_need(west_texter, code="WTX1", area_id=scene.west.id)
    db.session.add(
        SmsMessage(
            direction=INBOUND,
            from_number=west_texter.phone,
            to_number="+15550000000",
            body="NEED groceries 12 West St",
            person_id=west_texter.id,
        )
    )
    db.session.flush()
    return {
        "in": [resident, asker, offerer, texter],
        "out": [westerner, far_offer, placed_texter, loner, west_texter],
    }


def _names(client, url="/coordinate/people") -> str:
    return text_of(client.get(url))


def test_directory_lists_only_the_coordinators_people(coordinator_client, people, admin):
    page = _names(coordinator_client)
    for person in people["in"]:
        assert person.name in page, person.name
    for person in people["out"]:
        assert person.name not in page, person.name
    # The admin's directory and the shared /admin/people list follow the same rule.
    admin_page = _names(login_as(coordinator_client.application.test_client(), admin))
    assert all(p.name in admin_page for p in people["in"] + people["out"])
    assert "Wanda Westerner" not in _names(coordinator_client, "/admin/people")
    assert "Rae Resident" in _names(coordinator_client, "/admin/people")


def test_pod_seat_in_the_area_makes_a_person_visible(app, scene):
    asker = make_person(name="Ida Asker")
    need = make_need(asker, code="POD1", area_id=scene.west.id, people_needed=1)
    pod = start_pod(db.session, need)
    seat = make_person(name="Sid Seat")  # lives nowhere, offers nothing: only the seat
    db.session.add(Membership(pod_id=pod.id, person_id=seat.id, status="declined"))
    db.session.flush()
    wes = login_as(app.test_client(), scene.wes)
    lee = login_as(app.test_client(), scene.lee)
    assert wes.get(f"/coordinate/people/{seat.id}").status_code == 200
    assert lee.get(f"/coordinate/people/{seat.id}").status_code == 404
    assert lee.get(f"/coordinate/people/{asker.id}").status_code == 404


def test_out_of_scope_person_pages_and_actions_are_404(app, scene, people):
    lee = login_as(app.test_client(), scene.lee)
    wanda = people["out"][0]
    assert lee.get(f"/coordinate/people/{wanda.id}").status_code == 404
    assert lee.get(f"/coordinate/people/{wanda.id + 10_000}").status_code == 404  # same answer
    refused = lee.submit(
        f"/coordinate/people/{wanda.id}/suspend", {"action": "suspend", "reason": "spam"}
    )
    assert refused.status_code == 404
    assert db.session.get(Person, wanda.id).suspended_at is None
    asker = people["in"][1]
    # Merging someone out of scope into (or from) an in-scope person: 404, nothing moves.
    assert lee.get(f"/coordinate/people/{wanda.id}/merge?other={asker.id}").status_code == 404
    assert lee.get(f"/coordinate/people/{asker.id}/merge?other={wanda.id}").status_code == 404
    assert lee.submit(f"/coordinate/people/{asker.id}/merge", {"other": wanda.id}).status_code == (
        404
    )
    assert db.session.get(Person, wanda.id) is not None
    # Merge candidates come from the coordinator's people only.
    search = text_of(lee.get(f"/coordinate/people/{asker.id}/merge?q=Wanda"))
    assert "Wanda Westerner" not in search
    # Wes, Westside's coordinator, may act on Wanda.
    wes = login_as(app.test_client(), scene.wes)
    assert wes.get(f"/coordinate/people/{wanda.id}").status_code == 200
    wes.submit(f"/coordinate/people/{wanda.id}/suspend", {"action": "suspend", "reason": "spam"})
    assert db.session.get(Person, wanda.id).suspended_at is not None


def test_unplaced_texter_is_shared_like_the_inbox(app, scene, people):
    texter = people["in"][3]
    for coordinator in (scene.lee, scene.wes):
        client = login_as(app.test_client(), coordinator)
        assert client.get(f"/coordinate/people/{texter.id}").status_code == 200
    # Once placed in Westside, only Westside's coordinators (and admins) see them.
    texter.home_area_id = scene.west.id
    db.session.flush()
    lee = login_as(app.test_client(), scene.lee)
    assert lee.get(f"/coordinate/people/{texter.id}").status_code == 404
