"""Response pods: formation, seats, cascade, lifecycle, privacy, the shared thread."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mutualaid import needs
from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Membership, Notification, PodMessage, utcnow
from mutualaid.models.pods import ACCEPTED, EXPIRED, INVITED, WITHDRAWN
from mutualaid.pods import lifecycle, thread
from mutualaid.pods.cascade import expire_invitations
from mutualaid.pods.formation import start_pod
from mutualaid.pods.seating import accept, decline
from tests.conftest import login_as, text_of
from tests.factories import make_person
from tests.pod_scene import helpers_at, make_need


def _status(pod, person):
    return db.session.scalar(
        select(Membership.status).where(
            Membership.pod_id == pod.id, Membership.person_id == person.id
        )
    )


def _notes(person, kind):
    return db.session.scalars(
        select(Notification.text).where(
            Notification.person_id == person.id, Notification.kind == kind
        )
    ).all()


@pytest.fixture
def scene(neighbor):
    helpers = helpers_at(0.5, 1.0, 1.5, 2.0, 2.5, 3.5)
    need = make_need(neighbor, people_needed=2)
    return neighbor, need, helpers


def test_start_pod_invites_twice_the_seats_nearest_first(scene):
    _requester, need, helpers = scene
    pod = start_pod(db.session, need)
    invited = [h for h in helpers if _status(pod, h) == INVITED]
    assert invited == helpers[:4]  # 2 seats x over-invite factor 2, nearest first
    assert need.status == "forming" and need.first_invited_at is not None
    assert pod.seats == 2 and pod.code == need.code
    note = _notes(helpers[0], "invitation")
    assert note and "0.5 km" in note[0] and need.code in note[0]
    reasons = db.session.scalar(
        select(Membership.reasons).where(Membership.person_id == helpers[0].id)
    )
    assert reasons[0]["key"] == "distance" and round(reasons[0]["params"]["km"], 1) == 0.5


def test_accepts_seat_up_to_the_limit_then_the_pod_is_active(scene):
    requester, need, helpers = scene
    pod = start_pod(db.session, need)
    assert accept(db.session, pod, helpers[0]).seated
    assert pod.status == "forming" and pod.lead_id == helpers[0].id
    assert accept(db.session, pod, helpers[1]).seated
    assert pod.status == "active" and need.status == "active" and need.pod_formed_at
    late = accept(db.session, pod, helpers[2])
    assert not late.seated and late.reason == "full"
    assert pod.seats_taken == 2
    # Open invitations were withdrawn with a thank-you; the requester hears who is coming.
    assert _status(pod, helpers[3]) == WITHDRAWN
    assert any("covered" in t for t in _notes(helpers[3], "invitation_withdrawn"))
    coming = _notes(requester, "pod_formed")
    assert coming and helpers[0].first_name in coming[0] and helpers[1].first_name in coming[0]
    audited = db.session.scalar(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "pod.address_revealed")
    )
    assert audited == 2


def test_accepting_twice_counts_once(scene):
    _, need, helpers = scene
    pod = start_pod(db.session, need)
    accept(db.session, pod, helpers[0])
    accept(db.session, pod, helpers[0])
    assert pod.seats_taken == 1


def test_expired_invitations_cascade_to_the_next_candidates(scene):
    _, need, helpers = scene
    t0 = utcnow()
    pod = start_pod(db.session, need, now=t0)
    later = t0 + timedelta(hours=3, minutes=1)  # "today" invitations last 3 hours
    assert not accept(db.session, pod, helpers[0], now=later).seated
    expired = expire_invitations(db.session, now=later)
    assert expired == 3  # helpers 1-3 (helper 0 already marked expired on the late accept)
    # The next two within the "today" search radius (5 km) are invited.
    assert [_status(pod, h) for h in helpers] == [EXPIRED] * 4 + [INVITED, INVITED]
    assert expire_invitations(db.session, now=later) == 0  # idempotent


def test_decline_invites_the_next_person(scene):
    _, need, helpers = scene
    pod = start_pod(db.session, need)
    assert decline(db.session, pod, helpers[0])
    assert _status(pod, helpers[4]) == INVITED


def test_nobody_nearby_widens_then_reaches_the_coordinators(neighbor):
    need = make_need(neighbor, category="childcare")
    helpers_at(1.0)  # groceries only: not a match
    pod = start_pod(db.session, need)
    assert pod.status == "forming"
    assert need.status == "matching"
    assert "No" in need.unmatched_reason and "childcare" in need.unmatched_reason.lower()
    assert need.search_radius_km >= 8


def test_leaving_frees_the_seat_and_invites_a_replacement(scene):
    _, need, helpers = scene
    pod = start_pod(db.session, need)
    accept(db.session, pod, helpers[0])
    accept(db.session, pod, helpers[1])
    lifecycle.leave(db.session, pod, helpers[0])
    assert pod.status == "forming" and pod.seats_taken == 1
    assert pod.lead_id == helpers[1].id
    # The two told "it's covered" are the nearest free helpers: they are asked again.
    assert [_status(pod, h) for h in helpers[2:4]] == [INVITED, INVITED]


def test_resolve_thanks_everyone_and_closes(scene):
    requester, need, helpers = scene
    pod = start_pod(db.session, need)
    accept(db.session, pod, helpers[0])
    accept(db.session, pod, helpers[1])
    needs.resolve_from_pod(db.session, pod, requester)
    assert pod.status == "resolved" and need.status == "resolved" and need.resolved_at
    for person in (requester, helpers[0], helpers[1]):
        assert _notes(person, "pod_resolved")


def test_only_requester_lead_or_coordinator_may_resolve(scene):
    _, need, helpers = scene
    pod = start_pod(db.session, need)
    accept(db.session, pod, helpers[0])
    accept(db.session, pod, helpers[1])
    with pytest.raises(lifecycle.PodError):
        needs.resolve_from_pod(db.session, pod, helpers[1])  # seated but not the lead


def test_cancel_tells_everyone_involved(scene):
    requester, need, helpers = scene
    pod = start_pod(db.session, need)
    accept(db.session, pod, helpers[0])
    needs.cancel_from_pod(db.session, pod, requester)
    assert need.status == "cancelled" and pod.status == "dissolved"
    assert _notes(helpers[0], "need_cancelled") and _notes(helpers[2], "need_cancelled")
    assert _status(pod, helpers[2]) == WITHDRAWN


def test_checkins_are_sent_once(scene):
    requester, need, helpers = scene
    pod = start_pod(db.session, need)
    accept(db.session, pod, helpers[0])
    accept(db.session, pod, helpers[1])
    later = utcnow() + timedelta(hours=49)
    assert lifecycle.send_checkins(db.session, now=later) == 1
    assert lifecycle.send_checkins(db.session, now=later) == 0
    assert _notes(requester, "checkin")


# ---- web ----------------------------------------------------------------------------


def _formed(scene):
    requester, need, helpers = scene
    pod = start_pod(db.session, need)
    accept(db.session, pod, helpers[0])
    accept(db.session, pod, helpers[1])
    db.session.commit()
    return requester, need, helpers, pod


def test_members_see_the_address_and_others_do_not(app, scene, outsider_client):
    _requester, _need, helpers, pod = _formed(scene)
    member = login_as(app.test_client(), helpers[0])
    page = member.get(f"/pods/{pod.id}")
    assert page.status_code == 200 and "12 Berry St" in text_of(page)
    assert outsider_client.get(f"/pods/{pod.id}").status_code == 404
    # An invited-but-withdrawn helper is no longer a member either.
    withdrawn = login_as(app.test_client(), helpers[3])
    assert withdrawn.get(f"/pods/{pod.id}").status_code == 404


def test_invited_people_see_the_invitation_but_not_the_address(app, scene):
    _, need, helpers = scene
    pod = start_pod(db.session, need)
    db.session.commit()
    invited = login_as(app.test_client(), helpers[0])
    page = invited.get(f"/pods/{pod.id}")
    assert page.status_code == 200
    assert "12 Berry St" not in page.get_data(as_text=True)
    listing = invited.get("/invitations")
    assert pod.code in text_of(listing) and "0.5 km" in text_of(listing)


def test_accept_on_the_web_then_talk_in_the_thread(app, scene):
    _, need, helpers = scene
    pod = start_pod(db.session, need)
    db.session.commit()
    web = login_as(app.test_client(), helpers[0])
    response = web.submit(f"/pods/{pod.id}/accept", {"note": "there in 2 hours"})
    assert response.status_code == 303 and response.headers["Location"] == f"/pods/{pod.id}"
    web.submit(f"/pods/{pod.id}/messages", {"body": "Bringing a cart."})
    page = text_of(web.get(f"/pods/{pod.id}"))
    assert "there in 2 hours" in page and "Bringing a cart." in page


def test_late_web_acceptor_is_told_kindly(app, scene):
    _requester, _need, helpers, pod = _formed(scene)
    late = login_as(app.test_client(), helpers[2])
    response = late.submit(f"/pods/{pod.id}/accept", follow_redirects=True)
    assert "filled up just before you answered" in text_of(response)


def test_empty_message_gets_a_clear_error(app, scene):
    requester, _need, _helpers, pod = _formed(scene)
    web = login_as(app.test_client(), requester)
    response = web.submit(f"/pods/{pod.id}/messages", {"body": "   "}, follow_redirects=True)
    assert "Write a message first" in text_of(response)
    assert (
        db.session.scalar(
            select(func.count()).select_from(PodMessage).where(PodMessage.channel == "web")
        )
        == 0
    )


def test_checklist_add_and_check(app, scene):
    _requester, _need, helpers, pod = _formed(scene)
    web = login_as(app.test_client(), helpers[0])
    web.submit(f"/pods/{pod.id}/checklist", {"text": "Buy rice"})
    item = thread.checklist(db.session, pod)[0]
    web.submit(f"/pods/{pod.id}/checklist/{item.id}")
    db.session.refresh(item)
    assert item.done_at is not None and item.done_by_id == helpers[0].id


def test_coordinator_dissolves_with_a_reason_and_it_is_audited(app, scene, coordinator_client):
    _requester, _need, _helpers, pod = _formed(scene)
    refused = coordinator_client.submit(
        f"/coordinate/pods/{pod.id}/dissolve", {"reason": ""}, follow_redirects=True
    )
    assert "Say why" in text_of(refused)
    coordinator_client.submit(f"/coordinate/pods/{pod.id}/dissolve", {"reason": "duplicate"})
    db.session.refresh(pod)
    assert pod.status == "dissolved" and pod.close_reason == "duplicate"
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "pod.dissolved")
    ).details == {"reason": "duplicate"}


def test_header_shows_the_invitation_count(app, scene):
    _, need, helpers = scene
    start_pod(db.session, need)
    db.session.commit()
    page = login_as(app.test_client(), helpers[0]).get("/")
    assert "1 open" in page.get_data(as_text=True)


def test_feedback_after_resolution(app, scene):
    requester, _need, helpers, pod = _formed(scene)
    needs.resolve_from_pod(db.session, pod, requester)
    db.session.commit()
    web = login_as(app.test_client(), helpers[0])
    web.submit(f"/pods/{pod.id}/feedback", {"rating": "good"})
    from mutualaid.models import PodFeedback

    fb = db.session.scalar(select(PodFeedback).where(PodFeedback.person_id == helpers[0].id))
    assert fb.rating == "good"
    assert make_person  # factories import kept for helpers below
    assert _status(pod, helpers[0]) == ACCEPTED


# ---- texts: the pod works for people who use SMS ------------------------------------


def _texts_to(person):
    from mutualaid.models import SmsMessage

    return db.session.scalars(
        select(SmsMessage.body).where(SmsMessage.to_number == person.phone).order_by(SmsMessage.id)
    ).all()


def test_sms_helpers_are_invited_by_text_and_get_the_pod_thread(neighbor):
    from tests.pod_scene import make_helper

    sam = make_helper(
        "Sam Green",
        0.7,
        phone="+17185550103",
        sms_preference="only",
        email=None,
        password=None,
        sms_consent="opted_in",
    )
    jo = make_helper("Jo Rivera", 0.9)
    need = make_need(neighbor, people_needed=2)
    pod = start_pod(db.session, need)
    [invite] = _texts_to(sam)
    assert f"YES {pod.code}" in invite and "0.7 km" in invite
    accept(db.session, pod, sam)
    accept(db.session, pod, jo)
    thread.post_message(db.session, pod, jo, "I'll bring bags")
    texts = _texts_to(sam)
    assert any("Address: 12 Berry St" in t for t in texts)  # seated: the address, by text
    assert texts[-1] == f"[{pod.code}] Jo: I'll bring bags"
    # Nobody's number ever appears in a text.
    assert not any(p.phone and p.phone in t for t in texts for p in (neighbor, jo, sam))


def test_opted_out_helpers_get_no_texts(neighbor):
    from tests.pod_scene import make_helper

    make_helper(
        "Dee Brown", 0.5, phone="+17185550104", sms_preference="notify", sms_consent="opted_out"
    )
    need = make_need(neighbor, people_needed=1)
    start_pod(db.session, need)
    from mutualaid.models import SmsMessage

    sent = db.session.scalars(
        select(SmsMessage).where(SmsMessage.to_number == "+17185550104")
    ).all()
    assert all(m.status == "cancelled" for m in sent)


def test_seated_helpers_see_the_need_but_cannot_change_it(app, scene):
    _requester, need, helpers, _pod = _formed(scene)
    member = login_as(app.test_client(), helpers[0])
    page = member.get(f"/needs/{need.id}")
    assert page.status_code == 200 and "12 Berry St" in text_of(page)
    assert "Cancel request" not in text_of(page)
    assert member.submit(f"/needs/{need.id}/cancel").status_code == 403
    assert member.get(f"/needs/{need.id}/edit").status_code == 403
    assert need.status == "active"


def test_one_helper_is_coming_reads_right(neighbor):
    from tests.pod_scene import make_helper

    jo = make_helper("Jo Rivera", 0.4)
    need = make_need(neighbor, people_needed=1)
    pod = start_pod(db.session, need)
    accept(db.session, pod, jo)
    assert _notes(neighbor, "pod_formed") == [f"Jo is coming to help with {pod.code}."]
