"""Email as a notice channel (issue 19): every notice kind has an email form in the
person's language; preferences per kind (text/email/both/none) on the profile and through
one-click unsubscribe links; group threads as a batched digest."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from mutualaid.email.digest import send_digests
from mutualaid.email.notices import SUBJECTS, notice_email
from mutualaid.email.preferences import KIND_CATEGORY, channel_for, set_channel
from mutualaid.extensions import db
from mutualaid.i18n import in_language
from mutualaid.models import NoticePreference, SmsMessage, utcnow
from mutualaid.notify import notify
from mutualaid.pods import thread
from mutualaid.pods.formation import start_pod
from mutualaid.pods.seating import accept
from tests.conftest import login_as, text_of
from tests.email.mail import emails_to, link_in
from tests.factories import make_person, unique_phone
from tests.pod_scene import make_helper, make_need

ROOT = Path(__file__).resolve().parents[2]


def _kinds_in_code() -> set[str]:
    kinds = set()
    for path in (ROOT / "mutualaid").rglob("*.py"):
        source = path.read_text()
        for match in re.finditer(r"notify\(\s*session,\s*[^,]+,\s*\"([a-z_]+)\"", source):
            kinds.add(match.group(1))
    return kinds


def test_every_notice_kind_in_the_code_has_a_category_and_an_email_subject():
    kinds = _kinds_in_code()
    assert len(kinds) >= 16
    assert kinds <= set(KIND_CATEGORY), kinds - set(KIND_CATEGORY)
    assert kinds <= set(SUBJECTS), kinds - set(SUBJECTS)


@pytest.mark.parametrize("kind", sorted(KIND_CATEGORY))
def test_every_kind_renders_an_email_in_english_and_spanish(app, kind):
    person = make_person(email="ana@example.org", language="es")
    requester = make_person()
    need = make_need(requester, code="Q7K")
    pod = start_pod(db.session, need)
    with in_language("en"):
        en = notice_email(db.session, person, kind, KIND_CATEGORY[kind], "text", need=need, pod=pod)
    with in_language("es"):
        es = notice_email(
            db.session, person, kind, KIND_CATEGORY[kind], "texto", need=need, pod=pod
        )
    assert en.subject and es.subject and en.subject != es.subject
    assert "News from mutualaid" not in en.subject
    assert "/email/unsubscribe/" in en.text  # how to stop, in every email
    assert '<html lang="es">' in es.html and '<html lang="en">' in en.html
    assert "Hola" in es.text and "Hello" in en.text


def _verified(name, **kw):
    return make_person(name=name, email_verified_at=utcnow(), **kw)


def test_an_invitation_reaches_a_verified_web_helper_by_email_with_unsubscribe_headers(app):
    requester = make_person()
    ben = make_helper("Ben Email", 0.4, email="ben@example.org", email_verified_at=utcnow())
    need = make_need(requester, people_needed=1)
    start_pod(db.session, need)
    db.session.commit()
    [mail] = emails_to("ben@example.org", "invitation")
    assert "Can you help a neighbor?" in mail.subject and need.code in mail.subject
    assert mail.category == "invitations" and "/email/unsubscribe/" in mail.unsubscribe_url
    assert "/email/invitation/" in mail.body_text
    assert mail.status == "sent"
    assert ben.id


def test_an_unverified_address_gets_no_notices(app):
    requester = make_person()
    make_helper("Una Verified", 0.4, email="una@example.org")  # never confirmed
    start_pod(db.session, make_need(requester, people_needed=1))
    db.session.commit()
    assert emails_to("una@example.org") == []


def test_notices_come_in_the_persons_language(app):
    requester = make_person()
    make_helper(
        "Ana Spanish", 0.4, email="ana@example.org", email_verified_at=utcnow(), language="es"
    )
    start_pod(db.session, make_need(requester, people_needed=1))
    db.session.commit()
    [mail] = emails_to("ana@example.org", "invitation")
    assert "¿Puedes ayudar" in mail.subject and "Hola, Ana" in mail.body_text


def test_preferences_per_kind_choose_text_email_both_or_none(app):
    phone = unique_phone()
    person = make_person(
        email="pref@example.org", email_verified_at=utcnow(), phone=phone,
        phone_verified_at=utcnow(), sms_preference="notify",
    )  # fmt: skip

    def tell(kind):
        notify(db.session, person, kind, lambda: "web text", lambda: "sms text")
        db.session.commit()
        texts = db.session.scalars(select(SmsMessage).where(SmsMessage.to_number == phone)).all()
        return len(texts), len(emails_to("pref@example.org"))

    assert tell("pod_formed") == (1, 1)  # both by default
    set_channel(db.session, person, "group", "email")
    assert tell("pod_formed") == (1, 2)
    set_channel(db.session, person, "group", "text")
    assert tell("pod_formed") == (2, 2)
    set_channel(db.session, person, "group", "none")
    assert tell("pod_formed") == (2, 2)
    assert tell("checkin") == (3, 3)  # another category is untouched


def test_preferences_are_saved_from_the_profile(app, client):
    person = make_person(email="me@example.org")
    db.session.commit()
    login_as(client, person)
    page = client.get("/account/profile")
    assert "How we reach you" in text_of(page)
    saved = client.submit(
        "/account/notices",
        {"nt-invitations": "email", "nt-group": "both", "nt-thread": "none", "nt-checkins": "text"},
    )
    assert saved.status_code == 303
    assert channel_for(db.session, person, "invitations") == "email"
    assert channel_for(db.session, person, "thread") == "none"
    bad = client.submit("/account/notices", {"nt-invitations": "carrier-pigeon"})
    assert bad.status_code == 400


def test_one_click_unsubscribe_needs_no_login_and_get_changes_nothing(app, client):
    person = make_person(email="unsub@example.org", email_verified_at=utcnow())
    notify(db.session, person, "pod_formed", lambda: "Your group is complete")
    db.session.commit()
    [mail] = emails_to("unsub@example.org")
    path = re.sub(r"^https?://[^/]+", "", mail.unsubscribe_url)
    page = client.get(path)
    assert page.status_code == 200 and "group updates" in text_of(page)
    assert db.session.get(NoticePreference, (person.id, "group")) is None  # GET: nothing
    # RFC 8058: the mail client POSTs this body, with no CSRF token and no cookie.
    done = app.test_client().post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    assert channel_for(db.session, person, "group") == "text"
    notify(db.session, person, "pod_formed", lambda: "Another update")
    db.session.commit()
    assert len(emails_to("unsub@example.org")) == 1  # no more group emails
    notify(db.session, person, "checkin", lambda: "Still need help?")
    db.session.commit()
    assert len(emails_to("unsub@example.org")) == 2  # check-ins still come


@pytest.mark.parametrize("token", ["forged", "eyJwIjoxLCJjIjoiZ3JvdXAifQ.AAAA.BBBB", "x" * 3000])
def test_forged_unsubscribe_tokens_change_nothing(app, client, token):
    person = make_person(email="forged@example.org", email_verified_at=utcnow())
    db.session.commit()
    response = app.test_client().post(f"/email/unsubscribe/{token}")
    assert response.status_code == 400 and "not valid or has expired" in text_of(response)
    assert (
        db.session.scalars(
            select(NoticePreference).where(NoticePreference.person_id == person.id)
        ).all()
        == []
    )


def test_an_unsubscribe_link_is_for_its_person_only(app, client):
    alice = make_person(email="alice@example.org", email_verified_at=utcnow())
    bob = make_person(email="bob@example.org", email_verified_at=utcnow())
    notify(db.session, alice, "pod_formed", lambda: "x")
    db.session.commit()
    path = re.sub(r"^https?://[^/]+", "", emails_to("alice@example.org")[0].unsubscribe_url)
    app.test_client().post(path)
    assert channel_for(db.session, alice, "group") == "text"
    assert channel_for(db.session, bob, "group") == "both"


def test_thread_messages_reach_email_readers_as_one_digest_per_interval(app):
    requester = _verified("Rosa Requester", email="rosa@example.org")
    ben = make_helper("Ben Digest", 0.4, email="ben@example.org", email_verified_at=utcnow())
    need = make_need(requester, people_needed=1)
    pod = start_pod(db.session, need)
    accept(db.session, pod, ben)
    thread.post_message(db.session, pod, requester, "Milk and bread, please")
    thread.post_message(db.session, pod, requester, "The door code is 42")
    db.session.commit()
    assert emails_to("ben@example.org", "thread_digest") == []  # never one per message
    now = utcnow()
    assert send_digests(db.session, interval_minutes=60, now=now) >= 1
    db.session.commit()
    [digest] = emails_to("ben@example.org", "thread_digest")
    assert "Milk and bread" in digest.body_text and "door code is 42" in digest.body_text
    thread.post_message(db.session, pod, requester, "Thank you!")
    db.session.commit()
    send_digests(db.session, interval_minutes=60, now=now + timedelta(minutes=10))
    db.session.commit()
    assert len(emails_to("ben@example.org", "thread_digest")) == 1  # within the interval
    send_digests(db.session, interval_minutes=60, now=now + timedelta(minutes=61))
    db.session.commit()
    digests = emails_to("ben@example.org", "thread_digest")
    assert len(digests) == 2
    assert "Thank you!" in digests[1].body_text and "Milk" not in digests[1].body_text
    own = [m for m in emails_to("rosa@example.org", "thread_digest") if "Milk" in m.body_text]
    assert own == []  # nobody gets their own messages back
    assert link_in(digests[1], f"/pods/{pod.id}")
