"""Issue 17: matching both ways and rotation.

A new helper who posts an offer next to needs already waiting is invited at once (web and
text), even when farther helpers hold the round's invitations; resuming or confirming an
offer and finishing a group count too. Equally good helpers are asked in turn."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Membership, Offer, Person, Pod
from mutualaid.models.pods import INVITED, MEMBER_HELPER
from mutualaid.needs import resolve_from_pod
from mutualaid.offers import pause_offer, resume_offer
from mutualaid.pods.formation import start_pod
from mutualaid.pods.seating import accept
from tests.conftest import login_as
from tests.factories import make_offer, make_person
from tests.pod_scene import make_need, offset
from tests.smsconv.conftest import ZIP_11211, code_in, emulator, phone, twilio_gateway

__all__ = ["emulator", "phone", "twilio_gateway"]  # fixtures used by the SMS test

NEAR_11211 = (ZIP_11211[0] + 0.5 / 111.2, ZIP_11211[1])  # 0.5 km north of ZIP 11211


def _invited_codes(person: Person) -> set[str]:
    db.session.expire_all()
    return set(
        db.session.scalars(
            select(Pod.code)
            .join(Membership, Membership.pod_id == Pod.id)
            .where(Membership.person_id == person.id, Membership.status == INVITED)
        )
    )


def _two_waiting_needs(requester: Person, where=ZIP_11211) -> list[Pod]:
    """Two one-seat groceries needs whose round is full: two helpers 4 km away each hold an
    invitation (two per free seat) and have not answered."""
    for i in range(2):
        far = make_person(name=f"Far Helper {i}")
        make_offer(far, at=(where[0] - 4 / 111.2, where[1]), radius_km=10.0, capacity=2)
    pods = []
    for code in ("W3A", "W3C"):
        need = make_need(requester, code=code, people_needed=1, where=where)
        pods.append(start_pod(db.session, need))
    db.session.commit()
    for pod in pods:
        waiting = db.session.scalars(
            select(Membership).where(Membership.pod_id == pod.id, Membership.status == INVITED)
        ).all()
        assert len(waiting) == 2  # the round is full before the newcomer arrives
    return pods


def test_a_new_web_helper_next_to_waiting_needs_is_invited_at_once(app, client, neighbor):
    _two_waiting_needs(neighbor)
    newcomer = make_person(name="Nia Newcomer")
    db.session.commit()
    login_as(client, newcomer)
    form = {
        "categories": ["groceries"],
        "radius_km": "3",
        "when": "any",
        "start": "18:00",
        "end": "21:00",
        "capacity": "1",
        "location": f"{NEAR_11211[0]},{NEAR_11211[1]}",
        "notes": "",
    }
    client.submit("/offers/new", form, follow_redirects=True)
    assert _invited_codes(newcomer) == {"W3A", "W3C"}
    page = client.get("/invitations").get_data(as_text=True)
    assert "W3A" in page and "W3C" in page


def test_a_new_helper_by_text_is_invited_at_once(app, phone, neighbor):
    _two_waiting_needs(neighbor)
    sam = phone()
    assert sam.text("OFFER groceries")[0].startswith("Where?")
    replies = sam.text("11211 3 km")
    assert any(r.startswith("Got it: you offer Groceries") for r in replies), replies
    invitations = [r for r in replies if "Reply YES" in r]
    assert {code_in(r) for r in invitations} == {"W3A", "W3C"}, replies
    assert any("W3A" in r for r in sam.text("YES W3A"))
    assert _invited_codes(sam.person) == set()  # seated in W3A; capacity 1 withdrew W3C


def test_a_helper_far_from_the_needs_or_in_another_category_is_not_invited(app, neighbor):
    _two_waiting_needs(neighbor)
    far = make_person(name="Faraway Fay")
    make_offer(far, at=(ZIP_11211[0] + 9 / 111.2, ZIP_11211[1]), radius_km=3.0)
    meals = make_person(name="Meals Mo")
    make_offer(meals, at=NEAR_11211, categories=["meals"])
    db.session.commit()
    assert _invited_codes(far) == set()
    assert _invited_codes(meals) == set()


def test_resuming_a_paused_offer_brings_invitations(app, neighbor):
    helper = make_person(name="Paused Pat")
    offer = make_offer(helper, at=NEAR_11211)
    pause_offer(db.session, offer)
    db.session.commit()
    _two_waiting_needs(neighbor)
    assert _invited_codes(helper) == set()  # paused: the needs did not ask
    resume_offer(db.session, db.session.get(Offer, offer.id))
    db.session.commit()
    assert _invited_codes(helper) == {"W3A", "W3C"}


def test_a_helper_at_capacity_is_asked_again_when_their_group_is_done(app, neighbor):
    busy = make_person(name="Busy Bea")
    make_offer(busy, at=NEAR_11211, capacity=1)
    other = make_person(name="Other Requester")
    first = start_pod(db.session, make_need(other, code="D3N", people_needed=1, where=ZIP_11211))
    db.session.commit()
    assert "D3N" in _invited_codes(busy)
    assert accept(db.session, first, busy).seated
    db.session.commit()
    _two_waiting_needs(neighbor)
    assert _invited_codes(busy) == set()  # at capacity: not asked
    resolve_from_pod(db.session, db.session.get(Pod, first.id), other)
    db.session.commit()
    assert _invited_codes(busy) == {"W3A", "W3C"}


def test_equally_good_helpers_are_asked_in_turn(app, neighbor):
    """Four identical needs, four helpers 0.3-0.6 km away: the closest is not first for
    all four any more, and nobody is asked more than twice as often as the others."""
    helpers = []
    for i, km in enumerate((0.3, 0.4, 0.5, 0.6)):
        person = make_person(name=f"Turn Taker {i}")
        make_offer(person, at=offset(km), radius_km=5.0, capacity=2)
        helpers.append(person)
    db.session.commit()
    firsts = []
    for code in ("T3A", "T3C", "T3E", "T3F"):
        pod = start_pod(db.session, make_need(neighbor, code=code, people_needed=1))
        db.session.commit()
        invited = db.session.scalars(
            select(Membership)
            .where(
                Membership.pod_id == pod.id,
                Membership.role == MEMBER_HELPER,
                Membership.status == INVITED,
            )
            .order_by(Membership.id)
        ).all()
        firsts.append(invited[0].person_id)
    asked = Counter(
        db.session.scalars(
            select(Membership.person_id).where(
                Membership.role == MEMBER_HELPER,
                Membership.person_id.in_([h.id for h in helpers]),
            )
        )
    )
    closest = helpers[0].id
    assert firsts.count(closest) <= 2, firsts  # the closest is no longer first every time
    assert len(set(firsts)) >= 2, firsts
    assert max(asked.values()) <= 2 * min(asked.get(h.id, 0) for h in helpers), asked


def test_the_reason_says_a_helper_was_ranked_lower_for_an_open_invitation(
    app, admin_client, neighbor
):
    helper = make_person(name="Open Olu")
    make_offer(helper, at=offset(0.3), radius_km=5.0, capacity=2)
    first = make_need(neighbor, code="R3A", people_needed=1)
    start_pod(db.session, first)
    second = make_need(neighbor, code="R3C", people_needed=1)
    db.session.commit()
    page = admin_client.get(f"/coordinate/needs/{second.id}").get_data(as_text=True)
    assert "has 1 other open invitation (ranked lower)" in page
    assert "asked 1 time this week (ranked lower)" in page
