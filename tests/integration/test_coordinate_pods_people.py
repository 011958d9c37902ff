"""Workspace pods (add/remove with reason, lead, message) and people (search, suspend,
merge duplicates without losing history)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Membership, Need, Offer, Person, PodMessage
from mutualaid.models.pods import ACCEPTED, REMOVED
from mutualaid.pods.formation import start_pod
from mutualaid.pods.seating import accept
from mutualaid.pods.thread import post_message
from mutualaid.workspace.people import PeopleError, merge_people
from tests.conftest import login_as, text_of
from tests.coordinate_scene import two_areas
from tests.factories import make_person
from tests.pod_scene import helpers_at, make_need


@pytest.fixture
def scene(coordinator):
    return two_areas(coordinator)


@pytest.fixture
def pod(scene, neighbor):
    helpers = helpers_at(0.5, 1.0, 1.5)
    need = make_need(neighbor, code="PODS", area_id=scene.east.id, people_needed=2)
    pod = start_pod(db.session, need)
    accept(db.session, pod, helpers[0])
    return pod, helpers


def _status(pod, person):
    return db.session.scalar(
        select(Membership.status).where(
            Membership.pod_id == pod.id, Membership.person_id == person.id
        )
    )


def test_pods_list_and_detail(coordinator_client, pod):
    pod, helpers = pod
    assert "PODS" in text_of(coordinator_client.get("/coordinate/pods"))
    text = text_of(coordinator_client.get(f"/coordinate/pods/{pod.id}"))
    assert helpers[0].name in text and "lead" in text


def test_add_member_seats_them_with_an_audited_reason(coordinator_client, pod, scene):
    pod, _helpers = pod
    friend = make_person(name="Fran Friend", email="fran@example.org")
    friend.home_area_id = scene.east.id  # lives in the coordinator's area
    page = coordinator_client.submit(
        f"/coordinate/pods/{pod.id}/members/add", {"who": "", "reason": "x"}, follow_redirects=True
    )
    assert "No person found" in text_of(page)
    coordinator_client.submit(
        f"/coordinate/pods/{pod.id}/members/add",
        {"who": "fran@example.org", "reason": "knows the family"},
    )
    assert _status(pod, friend) == ACCEPTED
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pod.member_added"))
    assert event.details == {"person_id": friend.id, "reason": "knows the family"}


def test_remove_needs_a_reason_and_is_audited(coordinator_client, pod):
    pod, helpers = pod
    url = f"/coordinate/pods/{pod.id}/members/{helpers[0].id}/remove"
    page = coordinator_client.submit(url, {"reason": ""}, follow_redirects=True)
    assert "Say why" in text_of(page)
    assert _status(pod, helpers[0]) == ACCEPTED
    coordinator_client.submit(url, {"reason": "no-show", "next": f"/coordinate/pods/{pod.id}"})
    assert _status(pod, helpers[0]) == REMOVED
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pod.member_removed"))
    assert event.details["reason"] == "no-show"


def test_change_lead_and_message_the_pod(coordinator_client, pod, coordinator):
    pod, helpers = pod
    coordinator_client.submit(
        f"/coordinate/pods/{pod.id}/members/add", {"who": str(helpers[1].id), "reason": "r"}
    )
    coordinator_client.submit(f"/coordinate/pods/{pod.id}/lead", {"person_id": str(helpers[1].id)})
    db.session.refresh(pod)
    assert pod.lead_id == helpers[1].id
    coordinator_client.submit(f"/coordinate/pods/{pod.id}/message", {"body": "Thanks all!"})
    bodies = db.session.scalars(
        select(PodMessage.body).where(PodMessage.author_id == coordinator.id)
    ).all()
    assert bodies == ["Thanks all!"]


def test_other_areas_coordinator_cannot_touch_the_pod(app, scene, pod):
    pod, _helpers = pod
    wes = login_as(app.test_client(), scene.wes)
    assert wes.get(f"/coordinate/pods/{pod.id}").status_code == 404
    assert wes.submit(f"/coordinate/pods/{pod.id}/message", {"body": "hi"}).status_code == 404
    assert "PODS" not in text_of(wes.get("/coordinate/pods"))


def test_people_search_by_masked_phone_and_history(coordinator_client, scene, neighbor):
    texter = make_person(name="Tess Texter", email=None, password=None, phone="+17185550199")
    make_need(texter, code="TESS", area_id=scene.east.id, address="5 Hope St")
    page = text_of(coordinator_client.get("/coordinate/people?q=0199"))
    assert "Tess Texter" in page and "+1 •••-•••-0199" in page and "+17185550199" not in page
    detail = text_of(coordinator_client.get(f"/coordinate/people/{texter.id}"))
    assert "TESS" in detail and "5 Hope St" in detail and "no (phone only)" in detail


def test_person_page_hides_other_areas_addresses(app, scene):
    texter = make_person(name="Tess Texter")
    make_need(texter, code="TESS", area_id=scene.east.id, address="5 Hope St")
    make_need(texter, code="TWST", area_id=scene.west.id, address="8 West Rd")
    wes = login_as(app.test_client(), scene.wes)
    detail = text_of(wes.get(f"/coordinate/people/{texter.id}"))
    assert "another area" in detail and "5 Hope St" not in detail and "8 West Rd" in detail


def test_suspend_and_restore_are_audited(coordinator_client, neighbor, coordinator):
    make_need(neighbor, code="SUSP", area_id=None)  # outside every area: every coordinator's
    url = f"/coordinate/people/{neighbor.id}/suspend"
    page = coordinator_client.submit(
        url, {"action": "suspend", "reason": ""}, follow_redirects=True
    )
    assert "Say why" in text_of(page)
    coordinator_client.submit(url, {"action": "suspend", "reason": "spam"})
    assert db.session.get(Person, neighbor.id).suspended_at is not None
    coordinator_client.submit(url, {"action": "restore"})
    assert db.session.get(Person, neighbor.id).suspended_at is None
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == neighbor.id)
    ).all()
    assert sorted(actions) == ["person.restored", "person.suspended"]
    # A coordinator cannot suspend another coordinator.
    other = make_person("coordinator")
    make_need(other, code="OTHR", area_id=None)
    page = coordinator_client.submit(
        f"/coordinate/people/{other.id}/suspend",
        {"action": "suspend", "reason": "x"},
        follow_redirects=True,
    )
    assert "Only an admin" in text_of(page)


def test_add_member_finds_only_people_of_the_coordinators_areas(coordinator_client, pod, scene):
    """Issue 16: "add member" found anyone in the system and seated them (they then saw the
    address, the coordinator their email); its messages told whether an email existed."""
    pod, _helpers = pod
    westerner = make_person(name="Wren West", email="wren@example.org", phone="+17185550991")
    westerner.home_area_id = scene.west.id
    nobody_page = coordinator_client.submit(
        f"/coordinate/pods/{pod.id}/members/add",
        {"who": "nobody@example.org", "reason": "x"},
        follow_redirects=True,
    )
    for who in ("wren@example.org", "+1 718 555 0991", str(westerner.id)):
        page = coordinator_client.submit(
            f"/coordinate/pods/{pod.id}/members/add",
            {"who": who, "reason": "x"},
            follow_redirects=True,
        )
        assert "No person found" in text_of(page), who
        assert "Wren" not in text_of(page)
        assert _status(pod, westerner) is None
    assert "No person found" in text_of(nobody_page)  # the same answer for nobody


def test_a_coordinator_cannot_merge_a_record_that_can_log_in(
    coordinator_client, scene, coordinator
):
    """Issue 16: merging a throwaway web account into a phone-only person copied its email
    and password, and the throwaway's login then was that person, exact addresses and all."""
    victim = make_person(name="Vic Texter", email=None, password=None, phone="+17185550124")
    make_need(victim, code="VIC1", area_id=scene.east.id)
    throwaway = make_person(name="Throw Away", email="throw@example.org")
    throwaway.home_area_id = scene.east.id
    db.session.flush()
    for survivor, duplicate in ((victim, throwaway), (throwaway, victim)):
        page = coordinator_client.submit(
            f"/coordinate/people/{survivor.id}/merge",
            {"other": str(duplicate.id)},
            follow_redirects=True,
        )
        assert "can log in" in text_of(page)
    db.session.expire_all()
    assert db.session.get(Person, victim.id).password_hash is None
    assert db.session.get(Person, throwaway.id) is not None
    with pytest.raises(PeopleError):
        merge_people(db.session, victim, throwaway, coordinator)


def test_merge_phone_only_record_into_web_account_keeps_all_history(
    admin_client, scene, neighbor, admin
):
    """Maria texted in before she signed up: two records, one person (an admin merges; a
    coordinator cannot merge a record that can log in, see above)."""
    phone_only = make_person(name="Maria L", email=None, password=None, phone="+17185550123")
    need_by_text = make_need(phone_only, code="TXT1", area_id=scene.east.id, people_needed=1)
    helpers = helpers_at(0.5, prefix="Merge")
    pod = start_pod(db.session, need_by_text)
    accept(db.session, pod, helpers[0])
    post_message(db.session, pod, phone_only, "thank you!", channel="sms")
    web_need = make_need(neighbor, code="WEB1", area_id=scene.east.id)
    offer = Offer(helper_id=phone_only.id, radius_km=2, lat=40.7, lng=-73.95)
    offer.set_categories(["meals"])
    db.session.add(offer)
    db.session.flush()
    ids = (need_by_text.id, web_need.id, offer.id, pod.id)
    dup_id = phone_only.id

    preview = admin_client.get(f"/coordinate/people/{neighbor.id}/merge?other={phone_only.id}")
    text = text_of(preview)
    assert "needs.requester_id: 1" in text and "offers.helper_id: 1" in text
    assert "phone: +1 •••-•••-0123" in text
    assert db.session.get(Person, phone_only.id) is not None  # a preview changes nothing

    admin_client.submit(f"/coordinate/people/{neighbor.id}/merge", {"other": str(phone_only.id)})
    assert db.session.get(Person, dup_id) is None
    maria = db.session.get(Person, neighbor.id)
    assert maria.phone == "+17185550123" and maria.email and maria.has_password
    assert {
        n.requester_id for n in db.session.scalars(select(Need).where(Need.id.in_(ids[:2])))
    } == {maria.id}
    assert db.session.get(Offer, ids[2]).helper_id == maria.id
    requester_seat = db.session.scalar(
        select(Membership).where(Membership.pod_id == ids[3], Membership.role == "requester")
    )
    assert requester_seat.person_id == maria.id
    assert (
        db.session.scalar(select(PodMessage.author_id).where(PodMessage.body == "thank you!"))
        == maria.id
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.merged"))
    assert event.details["duplicate_id"] == dup_id and event.actor_id == admin.id


def test_merge_when_both_records_sit_in_one_pod_keeps_one_seat(app, scene, neighbor, admin):
    helpers = helpers_at(0.5, 1.0, prefix="Twin")
    twin = make_person(name="Twin Copy", email=None, password=None, phone="+17185550777")
    need = make_need(neighbor, code="TWIN", area_id=scene.east.id, people_needed=2)
    pod = start_pod(db.session, need)
    db.session.add(Membership(pod_id=pod.id, person_id=twin.id, status="declined"))
    db.session.flush()
    accept(db.session, pod, helpers[0])
    merge_people(db.session, helpers[0], twin, admin)
    seats = db.session.scalars(
        select(Membership.status).where(
            Membership.pod_id == pod.id, Membership.person_id == helpers[0].id
        )
    ).all()
    assert seats == [ACCEPTED]


def test_merge_refuses_the_same_person(coordinator_client, neighbor):
    make_need(neighbor, code="SAME", area_id=None)
    page = coordinator_client.get(
        f"/coordinate/people/{neighbor.id}/merge?other={neighbor.id}", follow_redirects=True
    )
    assert "two different people" in text_of(page)
