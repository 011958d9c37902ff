"""Capacity is a hard limit when accepting (issue 17): a helper is never seated in more
groups than their offer says, by web, text or API, however many "yes"es arrive at once."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import Membership, Notification, Person, Pod, utcnow
from mutualaid.models.pods import ACCEPTED, INVITED, MEMBER_HELPER, WITHDRAWN
from mutualaid.pods.formation import start_pod
from mutualaid.pods.seating import accept
from mutualaid.workspace.actions import add_member
from tests.api import conftest as api_fixtures
from tests.api.conftest import problem
from tests.cleanup import purge_people
from tests.conftest import login_as, text_of
from tests.factories import make_offer, make_person
from tests.pod_scene import make_need, offset
from tests.sms import conftest as sms_fixtures
from tests.smsconv.conftest import Phone, sms_helper

emulator = sms_fixtures.emulator
twilio_gateway = sms_fixtures.twilio_gateway
api_as = api_fixtures.api_as

CODES = ("C3A", "C3E", "C3F", "C3H", "C3J")


def _pods(requester, count: int = 3, *, seats: int = 2) -> list[Pod]:
    pods = []
    for code in CODES[:count]:
        need = make_need(requester, code=code, people_needed=seats)
        pods.append(start_pod(db.session, need, invite=False))
    return pods


def _invite(pod: Pod, person: Person) -> Membership:
    membership = Membership(
        pod_id=pod.id,
        person_id=person.id,
        role=MEMBER_HELPER,
        status=INVITED,
        invited_at=utcnow(),
        invite_expires_at=utcnow() + timedelta(hours=1),
    )
    db.session.add(membership)
    db.session.flush()
    return membership


def _status(pod: Pod, person: Person) -> str | None:
    return db.session.scalar(
        select(Membership.status).where(
            Membership.pod_id == pod.id, Membership.person_id == person.id
        )
    )


def _helper(name: str = "Cap Helper", capacity: int = 1) -> Person:
    person = make_person(name=name)
    make_offer(person, at=offset(0.5), capacity=capacity, radius_km=5.0)
    return person


def test_a_capacity_one_helper_is_seated_once_and_other_invitations_are_withdrawn(neighbor):
    helper = _helper()
    first, second, third = _pods(neighbor)
    _invite(first, helper)
    _invite(third, helper)
    assert accept(db.session, first, helper).seated
    # Reaching the limit withdrew the third group's invitation, kindly.
    assert _status(third, helper) == WITHDRAWN
    notes = db.session.scalars(
        select(Notification.text).where(
            Notification.person_id == helper.id, Notification.kind == "invitation_withdrawn"
        )
    ).all()
    assert notes == [
        f"Thanks! You're now helping with {first.code}; we've asked someone else for {third.code}."
    ]
    # An invitation that is still open (asked by hand afterwards) is refused, changing nothing.
    _invite(second, helper)
    result = accept(db.session, second, helper)
    assert not result.seated and result.reason == "at_capacity" and result.capacity == 1
    db.session.refresh(second)
    assert second.seats_taken == 0 and _status(second, helper) == INVITED
    assert _status(first, helper) == ACCEPTED


def test_the_largest_active_offer_sets_the_limit(neighbor):
    helper = _helper(capacity=1)
    make_offer(helper, at=offset(0.6), capacity=2, radius_km=5.0)
    pods = _pods(neighbor)
    for pod in pods:
        _invite(pod, helper)
    assert accept(db.session, pods[0], helper).seated
    assert _status(pods[1], helper) == INVITED  # room for one more: nothing withdrawn
    assert accept(db.session, pods[1], helper).seated
    assert _status(pods[2], helper) == WITHDRAWN


def _seated_then_invited(neighbor, helper):
    """The helper (capacity 1) is seated in one group, then invited to a second: returned."""
    first, second = _pods(neighbor, 2)
    _invite(first, helper)
    assert accept(db.session, first, helper).seated
    _invite(second, helper)
    db.session.commit()
    return second


def test_a_coordinator_can_still_add_someone_at_capacity(neighbor, coordinator):
    helper = _helper()
    first, second = _pods(neighbor, 2)
    _invite(first, helper)
    assert accept(db.session, first, helper).seated
    add_member(db.session, second, helper, coordinator, "knows the building")
    assert _status(second, helper) == ACCEPTED


def test_the_web_page_explains_the_limit(app, neighbor):
    helper = _helper()
    second = _seated_then_invited(neighbor, helper)
    web = login_as(app.test_client(), helper)
    page = text_of(web.submit(f"/pods/{second.id}/accept", follow_redirects=True))
    assert (
        "already helping in as many groups as you said you could (1). Finish one or "
        "raise your limit on your offer, then say yes." in page.replace("&#39;", "'")
    )
    assert "You're already helping" in page.replace("&#39;", "'")
    assert _status(second, helper) == INVITED


def test_a_yes_by_text_explains_the_limit(client, emulator, twilio_gateway, neighbor):
    person = sms_helper("Tex Helper", km=0.3)
    second = _seated_then_invited(neighbor, person)
    texts = Phone(client, emulator, person.phone).text(f"YES {second.code}")
    assert texts == [
        "Thank you! You're already helping in as many groups as you said you could (1). "
        f"Finish one or raise your limit on your offer, then reply YES {second.code}."
    ]
    assert _status(second, person) == INVITED


def test_the_api_answers_409_at_capacity(neighbor, api_as):
    helper = _helper()
    second = _seated_then_invited(neighbor, helper)
    response = api_as(helper).post(f"/pods/{second.id}/accept")
    assert response.status_code == 409
    body = problem(response)
    assert body["reason"] == "at_capacity"
    assert "as many groups as you said you could (1)" in body["detail"]


GROUPS = 5
ATTEMPTS = 20


@pytest.fixture
def spread(app):
    """One capacity-1 helper invited to 5 forming groups, committed for real."""
    with app.app_context():
        requester = make_person(name="Rita Requester")
        helper = _helper("Busy Helper")
        pods = _pods(requester, GROUPS)
        for pod in pods:
            _invite(pod, helper)
        db.session.commit()
        ids = ([p.id for p in pods], helper.id, requester.id)
    yield ids
    with app.app_context():
        purge_people(db.session, [ids[1], ids[2]])


@pytest.mark.postgres_only
@pytest.mark.committed
def test_twenty_concurrent_accepts_seat_a_capacity_one_helper_once(app, spread):
    pod_ids, helper_id, _ = spread
    barrier = threading.Barrier(ATTEMPTS)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def racer(n: int) -> None:
        try:
            with app.app_context():  # each thread's own app context, so its own session
                session = db.session
                pod = session.get(Pod, pod_ids[n % GROUPS])
                person = session.get(Person, helper_id)
                session.commit()
                barrier.wait(timeout=30)
                result = accept(session, pod, person)
                session.commit()
                with lock:
                    results.append(result.reason)
        except BaseException as exc:  # collected and re-raised in the main thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=racer, args=(n,)) for n in range(ATTEMPTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    with app.app_context():
        seated_in = db.session.scalars(
            select(Membership.pod_id).where(
                Membership.person_id == helper_id, Membership.status == ACCEPTED
            )
        ).all()
        assert len(seated_in) == 1
        taken = db.session.scalar(select(func.sum(Pod.seats_taken)).where(Pod.id.in_(pod_ids)))
        assert taken == 1
    # The same group's repeated yes counts as seated; the rest are refused or withdrawn.
    assert set(results) <= {"seated", "at_capacity", "not_invited"}
    assert "seated" in results
