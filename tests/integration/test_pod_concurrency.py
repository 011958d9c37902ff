"""Seats are never oversold: 50 people accept 3 seats at the same instant, each in their
own connection and thread, with real commits."""

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mutualaid.extensions import db
from mutualaid.models import (
    Membership,
    Need,
    Person,
    Pod,
    utcnow,
)
from mutualaid.models.pods import ACCEPTED, INVITED, MEMBER_HELPER
from mutualaid.pods.seating import accept
from tests.cleanup import purge_people

pytestmark = pytest.mark.committed

ACCEPTORS = 50
SEATS = 3


@pytest.fixture
def crowd(app):
    """A forming pod with 3 seats and 50 live invitations, committed for real."""
    from datetime import timedelta

    from tests.factories import make_person

    with app.app_context():
        requester = make_person(name="Rita Requester")
        need = Need(
            code="Z9Q",
            requester_id=requester.id,
            category="meals",
            people_needed=SEATS,
            status="forming",
            lat=40.7,
            lng=-73.95,
            location_status="ok",
        )
        db.session.add(need)
        db.session.flush()
        pod = Pod(need_id=need.id, code="Z9Q", seats=SEATS)
        db.session.add(pod)
        db.session.flush()
        people = [make_person(name=f"Racer{i} Test") for i in range(ACCEPTORS)]
        for p in people:
            db.session.add(
                Membership(
                    pod_id=pod.id,
                    person_id=p.id,
                    role=MEMBER_HELPER,
                    status=INVITED,
                    invite_expires_at=utcnow() + timedelta(hours=1),
                )
            )
        db.session.commit()
        ids = (pod.id, [p.id for p in people], need.id, requester.id)
    yield ids
    _pod_id, person_ids, _need_id, requester_id = ids
    with app.app_context():
        purge_people(db.session, [*person_ids, requester_id])


def test_fifty_concurrent_accepts_seat_exactly_three(app, crowd):
    pod_id, person_ids, _, _ = crowd
    with app.app_context():
        engine = db.engine
    barrier = threading.Barrier(ACCEPTORS)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def racer(person_id: int) -> None:
        try:
            with app.app_context(), Session(engine) as session:
                pod = session.get(Pod, pod_id)
                person = session.get(Person, person_id)
                session.commit()  # start the race from a clean transaction
                barrier.wait(timeout=30)
                result = accept(session, pod, person)
                session.commit()
                with lock:
                    results.append(result.reason)
        except BaseException as exc:  # collected and re-raised in the main thread
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=racer, args=(pid,)) for pid in person_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors[:3]
    assert sorted(set(results)) == ["full", "seated"]
    assert results.count("seated") == SEATS
    with app.app_context():
        seated = db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.pod_id == pod_id, Membership.status == ACCEPTED)
        )
        pod = db.session.get(Pod, pod_id)
        assert seated == SEATS and pod.seats_taken == SEATS and pod.status == "active"
