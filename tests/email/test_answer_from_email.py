"""Act from the email (issue 19): a signed, expiring link per invitation leads to a page with
Yes / Not this time; a GET changes nothing, the POST works without a login for that
invitation only. The same for "still need help?" and "still available?". And the journey
end to end through a real SMTP server: sign up, verify, be invited by email, say yes."""

from __future__ import annotations

import re
import time

from sqlalchemy import select

from mutualaid.email import links
from mutualaid.extensions import db
from mutualaid.models import Membership, Need, Offer, Person, utcnow
from mutualaid.models.pods import ACCEPTED, DECLINED, INVITED
from mutualaid.offers import request_offer_confirmation
from mutualaid.pods.formation import start_pod
from mutualaid.pods.lifecycle import send_checkins
from tests.conftest import text_of
from tests.email.mail import emails_to, link_in
from tests.factories import PASSWORD, make_offer, make_person
from tests.pod_scene import make_helper, make_need


def _status(pod, person):
    db.session.expire_all()
    return db.session.scalar(
        select(Membership.status).where(
            Membership.pod_id == pod.id, Membership.person_id == person.id
        )
    )


def _invited(name="Ben Email", email="ben@example.org", people_needed=1):
    requester = make_person(name="Rosa Requester")
    ben = make_helper(name, 0.4, email=email, email_verified_at=utcnow())
    need = make_need(requester, people_needed=people_needed)
    pod = start_pod(db.session, need)
    db.session.commit()
    link = link_in(emails_to(email, "invitation")[0], "/email/invitation/")
    return ben, pod, link


def test_the_invitation_page_changes_nothing_on_get_and_yes_seats_without_a_login(app):
    ben, pod, link = _invited()
    browser = app.test_client()  # no session: the person never logged in
    page = browser.get(link)
    assert page.status_code == 200
    assert "Yes, I can help" in text_of(page) and "Not this time" in text_of(page)
    assert "12 Berry St" not in text_of(page)  # no address before saying yes
    assert _status(pod, ben) == INVITED
    answered = browser.submit(link, {"answer": "yes"})
    assert answered.status_code == 200 and "re in!" in text_of(answered)
    assert _status(pod, ben) == ACCEPTED
    again = browser.submit(link, {"answer": "no"})
    assert "This invitation is closed" in text_of(again)
    assert _status(pod, ben) == ACCEPTED  # a second answer changes nothing


def test_not_this_time_declines_and_asks_someone_else(app):
    ben, pod, link = _invited()
    answered = app.test_client().submit(link, {"answer": "no"})
    assert "No problem" in text_of(answered)
    assert _status(pod, ben) == DECLINED


def test_a_link_works_only_for_its_own_invitation(app):
    ben, pod, link = _invited()
    eve = make_helper("Eve Other", 0.5, email="eve@example.org", email_verified_at=utcnow())
    db.session.commit()
    membership_id = db.session.scalar(
        select(Membership.id).where(Membership.pod_id == pod.id, Membership.person_id == ben.id)
    )
    with app.test_request_context():
        forged = links.sign("invitation", {"m": membership_id, "p": eve.id})
        other_purpose = links.sign("checkin", {"m": membership_id, "p": ben.id})
    for bad in (forged, other_purpose, "garbage", link.rsplit("/", 1)[1][:-3] + "xyz"):
        response = app.test_client().submit(f"/email/invitation/{bad}", {"answer": "yes"})
        assert response.status_code == 400, bad
    assert _status(pod, ben) == INVITED


def test_an_expired_link_is_refused(app, monkeypatch):
    ben, pod, link = _invited()
    real = time.time
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: real() + 8 * 86_400)
    response = app.test_client().submit(link, {"answer": "yes"})
    assert response.status_code == 400 and "expired" in text_of(response)
    assert _status(pod, ben) == INVITED


def test_still_need_help_from_the_email(app):
    requester = make_person(
        name="Rosa Requester", email="rosa@example.org", email_verified_at=utcnow()
    )
    helper = make_helper("Hal Helper", 0.4)
    need = make_need(requester, people_needed=1)
    pod = start_pod(db.session, need)
    from mutualaid.pods.seating import accept

    accept(db.session, pod, helper)
    pod.formed_at = utcnow().replace(year=utcnow().year - 1)
    send_checkins(db.session)
    db.session.commit()
    [mail] = emails_to("rosa@example.org", "checkin")
    link = link_in(mail, "/email/checkin/")
    client = app.test_client()
    assert "Do you still need help?" in text_of(client.get(link))
    assert db.session.get(Need, need.id).is_active
    done = client.submit(link, {"answer": "done"})
    assert "Marked done" in text_of(done)
    db.session.expire_all()
    assert db.session.get(Need, need.id).status == "resolved"


def test_still_available_from_the_email(app):
    helper = make_person(email="hal@example.org", email_verified_at=utcnow())
    offer = make_offer(helper)
    request_offer_confirmation(db.session, offer, expire_days=14)
    db.session.commit()
    link = link_in(emails_to("hal@example.org", "offer_confirm")[0], "/email/offers/")
    client = app.test_client()
    assert "Are you still available" in text_of(client.get(link))
    assert db.session.get(Offer, offer.id).confirm_asked_at is not None  # GET: unchanged
    kept = client.submit(link, {"answer": "yes"})
    assert "stays open" in text_of(kept)
    db.session.expire_all()
    assert db.session.get(Offer, offer.id).confirm_asked_at is None


def _from_smtp(smtp, address: str, path: str) -> str:
    for received in reversed(smtp.to(address)):
        body = received.message.get_body(("plain",)).get_content()
        match = re.search(rf"https?://[^/\s]+({re.escape(path)}\S+)", body)
        if match:
            return match.group(1)
    raise AssertionError(f"no email to {address} with a {path} link")


def test_journey_sign_up_verify_invited_by_email_answer_yes_seated(app, smtp):
    """Ben signs up on the web, confirms his address, offers groceries, and never opens the
    site again: the invitation reaches him through a real SMTP server, he answers yes from
    the email, and he is seated."""
    web = app.test_client()
    signed = web.submit(
        "/auth/signup",
        {
            "name": "Ben Okoro",
            "email": "ben@example.org",
            "password": PASSWORD,
            "confirm": PASSWORD,
        },
    )
    assert signed.status_code == 302
    verify = _from_smtp(smtp, "ben@example.org", "/auth/verify/")
    assert web.submit(verify).status_code == 303
    ben = db.session.scalar(select(Person).where(Person.email == "ben@example.org"))
    assert ben.email_verified_at is not None
    make_offer(ben, at=(40.7100, -73.9560))
    requester = make_person(name="Dee Requester")
    need = make_need(requester, people_needed=1)
    pod = start_pod(db.session, need)
    db.session.commit()
    [invitation] = [r for r in smtp.to("ben@example.org") if "help" in r.message["Subject"]]
    assert invitation.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    answer = _from_smtp(smtp, "ben@example.org", "/email/invitation/")
    inbox_reader = app.test_client()  # a fresh browser: no login
    page = inbox_reader.submit(answer, {"answer": "yes"})
    assert "re in!" in text_of(page)
    assert _status(pod, ben) == ACCEPTED
    complete = [r for r in smtp.to("ben@example.org") if need.code in r.message["Subject"]]
    assert any("complete" in r.message["Subject"] for r in complete)
