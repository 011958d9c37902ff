"""Account emails (issue 19): verify at sign-up, forgot password, change the address.
Each link changes nothing on GET, works once, expires, and dies when a newer one is sent."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from mutualaid.accounts import change_password
from mutualaid.extensions import db
from mutualaid.models import AccountToken, Person, utcnow
from tests.conftest import login_as, text_of
from tests.email.mail import emails_to, link_in
from tests.factories import PASSWORD, make_person

NEW_PASSWORD = "a brand new passphrase"


def _signup(client, email="ben@example.org", name="Ben Okoro"):
    return client.submit(
        "/auth/signup",
        {"name": name, "email": email, "password": PASSWORD, "confirm": PASSWORD},
    )


def _login(client, email, password=PASSWORD):
    return client.submit("/auth/login", {"email": email, "password": password})


def test_sign_up_sends_a_verification_link_and_only_that(app, client):
    assert _signup(client).status_code == 302
    [mail] = emails_to("ben@example.org")
    assert mail.kind == "verify_email" and "Confirm your email address" in mail.subject
    person = db.session.scalar(select(Person).where(Person.email == "ben@example.org"))
    assert person.email_verified_at is None
    _login(client, "ben@example.org")
    home = client.get("/")
    assert "is not confirmed yet" in text_of(home)  # log-in works; the site says so
    link = link_in(mail, "/auth/verify/")
    page = client.get(link)
    assert page.status_code == 200 and "Confirm" in text_of(page)
    db.session.expire_all()
    assert db.session.get(Person, person.id).email_verified_at is None  # GET changed nothing
    assert client.submit(link).status_code == 303
    db.session.expire_all()
    assert db.session.get(Person, person.id).email_verified_at is not None
    assert "is not confirmed yet" not in text_of(client.get("/"))
    again = client.submit(link)  # a used link
    assert again.status_code == 400 and "expired or was already used" in text_of(again)


def test_resending_the_link_is_limited_and_kills_the_older_link(app, client, settings_override):
    settings_override(email_account_per_hour=2)
    _signup(client)
    _login(client, "ben@example.org")
    first = link_in(emails_to("ben@example.org")[0], "/auth/verify/")
    assert client.submit("/auth/verify").status_code == 303
    assert len(emails_to("ben@example.org")) == 2
    assert client.submit(first).status_code == 400  # a newer link was sent
    client.submit("/auth/verify")
    assert len(emails_to("ben@example.org")) == 2  # over the hourly limit: nothing more


def test_forgot_password_answers_the_same_whether_or_not_the_account_exists(app, client):
    person = make_person(email="maria@example.org")
    db.session.commit()
    known = client.submit("/auth/forgot", {"email": "maria@example.org"}, follow_redirects=True)
    unknown = client.submit("/auth/forgot", {"email": "nobody@example.org"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    assert text_of(known) == text_of(unknown)
    assert "If an account uses that address" in text_of(known)
    assert [m.kind for m in emails_to("maria@example.org")] == ["reset_password"]
    assert emails_to("nobody@example.org") == []
    assert person.id


def test_a_reset_link_works_once_and_ends_every_session(app, client):
    person = make_person(email="maria@example.org")
    db.session.commit()
    other_device = login_as(app.test_client(), person)
    assert other_device.get("/account/profile").status_code == 200
    client.submit("/auth/forgot", {"email": "maria@example.org"})
    link = link_in(emails_to("maria@example.org")[-1], "/auth/reset/")
    assert client.get(link).status_code == 200
    done = client.submit(link, {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 303
    assert other_device.get("/account/profile").status_code == 302  # logged out there
    assert _login(client, "maria@example.org", PASSWORD).status_code == 400  # old password
    assert _login(app.test_client(), "maria@example.org", NEW_PASSWORD).status_code == 302
    reused = client.submit(link, {"new": "another passphrase 2", "confirm": "another passphrase 2"})
    assert reused.status_code == 400
    db.session.expire_all()
    assert db.session.get(Person, person.id).email_verified_at is not None  # inbox proven


def test_a_reset_link_expires_after_an_hour(app, client):
    make_person(email="maria@example.org")
    db.session.commit()
    client.submit("/auth/forgot", {"email": "maria@example.org"})
    link = link_in(emails_to("maria@example.org")[-1], "/auth/reset/")
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    page = client.submit(link, {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert page.status_code == 400 and "expired" in text_of(page)
    assert _login(client, "maria@example.org", PASSWORD).status_code == 302  # unchanged


def test_a_newer_reset_link_or_a_password_change_kills_the_old_one(app, client):
    person = make_person(email="maria@example.org")
    db.session.commit()
    client.submit("/auth/forgot", {"email": "maria@example.org"})
    first = link_in(emails_to("maria@example.org")[-1], "/auth/reset/")
    client.submit("/auth/forgot", {"email": "maria@example.org"})
    second = link_in(emails_to("maria@example.org")[-1], "/auth/reset/")
    assert client.get(first).status_code == 400
    assert client.get(second).status_code == 200
    change_password(db.session, app.extensions["passwords"], person, PASSWORD, NEW_PASSWORD)
    db.session.commit()
    assert client.get(second).status_code == 400


@pytest.mark.parametrize(
    "token",
    ["forged", "A" * 43, "x" * 5000, "%00%0d%0a", "caf%C3%A9", "..%2F..%2Fetc"],
)
def test_forged_or_garbage_reset_tokens_are_refused_and_change_nothing(app, client, token):
    make_person(email="maria@example.org")
    db.session.commit()
    response = client.submit(f"/auth/reset/{token}", {"new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code in (400, 404)
    assert _login(client, "maria@example.org", PASSWORD).status_code == 302


def test_forgot_password_is_rate_limited_per_client(app, client, settings_override):
    settings_override(email_reset_per_ip_hour=3)
    answers = [
        client.submit("/auth/forgot", {"email": f"x{i}@example.org"}).status_code for i in range(5)
    ]
    assert answers[:3] == [303, 303, 303] and answers[3:] == [429, 429]


def test_changing_the_email_is_confirmed_from_the_new_address_and_the_old_one_is_told(app, client):
    person = make_person(email="old@example.org", email_verified_at=utcnow())
    db.session.commit()
    login_as(client, person)
    asked = client.submit(
        "/account/email", {"em-email": "new@example.org", "em-password": PASSWORD}
    )
    assert asked.status_code == 303
    db.session.expire_all()
    assert db.session.get(Person, person.id).email == "old@example.org"  # not yet
    [confirm] = emails_to("new@example.org")
    link = link_in(confirm, "/auth/email-change/")
    client.get(link)
    db.session.expire_all()
    assert db.session.get(Person, person.id).email == "old@example.org"  # GET changed nothing
    assert client.submit(link).status_code == 303
    db.session.expire_all()
    moved = db.session.get(Person, person.id)
    assert moved.email == "new@example.org" and moved.email_verified_at is not None
    [told] = emails_to("old@example.org", "email_changed")
    assert "n***@example.org" in told.body_text and "new@example.org" not in told.body_text


def test_changing_the_email_needs_the_current_password(app, client):
    person = make_person(email="old@example.org")
    db.session.commit()
    login_as(client, person)
    refused = client.submit(
        "/account/email", {"em-email": "new@example.org", "em-password": "wrong password"}
    )
    assert refused.status_code == 400 and "not your current password" in text_of(refused)
    assert emails_to("new@example.org") == []
