"""Issue 16, findings 10 and 15: sign-up does not reveal who has an account and is
throttled per client; log-in has a per-account budget over every client."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from mutualaid import throttle
from mutualaid.extensions import db
from mutualaid.models import Person, SmsMessage
from mutualaid.models.people import PhoneVerification
from mutualaid.web.auth.routes import LOCKED_OUT, LOGIN_FAILED
from tests.conftest import text_of
from tests.factories import PASSWORD, make_texter

NEW = {"name": "Jo Rivera", "password": "a good long password", "confirm": "a good long password"}


def _from(app, ip: str):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ip
    return client


def _signup(client, **fields):
    return client.submit("/auth/signup", {**NEW, **fields})


def _answer(client, response) -> tuple[int, str, str]:
    """What the person sees: status, where they are sent, and that page's text."""
    page = text_of(client.get(response.headers["Location"]))
    page = re.sub(r"\b\S+@example\.org\b", "EMAIL", page)
    return response.status_code, response.headers["Location"], page


# --- finding 10: sign-up ------------------------------------------------------------------


def test_signing_up_with_a_taken_email_looks_exactly_like_a_new_account(app, neighbor):
    new = _signup(_from(app, "10.0.0.1"), email="brand-new@example.org")
    taken = _signup(_from(app, "10.0.0.2"), email=neighbor.email)
    assert _answer(_from(app, "10.0.0.1"), new)[:2] == _answer(_from(app, "10.0.0.2"), taken)[:2]
    a, b = _from(app, "10.0.0.3"), _from(app, "10.0.0.4")
    first = _answer(a, _signup(a, email="another-new@example.org"))
    second = _answer(b, _signup(b, email=neighbor.email.upper()))
    assert first == second
    assert "If this email can be used" in first[2] and "already exists" not in first[2]


def test_signing_up_with_a_taken_phone_looks_the_same_and_texts_nobody(app, neighbor):
    texter = make_texter()
    neighbor.phone = "+17185550199"
    db.session.commit()
    sent_before = db.session.scalar(select(func.count()).select_from(SmsMessage))
    answers = []
    for n, phone in enumerate((texter.phone, neighbor.phone, "+17185550123")):
        client = _from(app, f"10.0.1.{n}")
        response = _signup(client, email=f"phone-{n}@example.org", phone=phone)
        answers.append(_answer(client, response)[::2])
    assert answers[0] == answers[1] == answers[2]
    # Nobody was texted a code from the sign-up form, least of all the SMS-only texter.
    assert db.session.scalar(select(func.count()).select_from(SmsMessage)) == sent_before
    assert db.session.scalar(select(func.count()).select_from(PhoneVerification)) == 0
    people = {p.email: p for p in db.session.scalars(select(Person))}
    assert people["phone-0@example.org"].phone is None  # the texter's number is not taken over
    assert people["phone-1@example.org"].phone is None
    assert people["phone-2@example.org"].phone == "+17185550123"


def test_the_owner_can_still_log_in_after_someone_tried_their_email(app, neighbor):
    _signup(_from(app, "10.0.2.1"), email=neighbor.email)
    client = _from(app, "10.0.2.2")
    response = client.submit("/auth/login", {"email": neighbor.email, "password": PASSWORD})
    assert response.status_code == 302 and client.get("/account/profile").status_code == 200
    # The password the stranger chose does not open the account.
    stranger = _from(app, "10.0.2.3")
    tried = stranger.submit("/auth/login", {"email": neighbor.email, "password": NEW["password"]})
    assert tried.status_code == 400


def test_sign_up_is_throttled_per_client(app):
    client = _from(app, "10.0.3.1")
    for n in range(throttle.LIMITS.signups.limit - 1):
        assert _signup(client, email=f"burst-{n}@example.org").status_code == 302
    locked = _signup(client, email="burst-last@example.org")
    assert locked.status_code == 429 and "Retry-After" in locked.headers
    assert "Too many sign-ups" in text_of(locked)
    again = _signup(client, email="burst-later@example.org")
    assert again.status_code == 429
    assert (
        db.session.scalar(select(Person).where(Person.email == "burst-later@example.org")) is None
    )
    # Another client is not affected.
    assert _signup(_from(app, "10.0.3.2"), email="elsewhere@example.org").status_code == 302


# --- finding 15: a per-account budget over every client --------------------------------------


def _fail(app, ip: str, email: str):
    return _from(app, ip).submit("/auth/login", {"email": email, "password": "wrong password 1"})


@pytest.mark.parametrize("exists", [True, False])
def test_an_account_is_locked_after_failures_from_many_clients(app, neighbor, exists):
    email = neighbor.email if exists else "nobody-here@example.org"
    budget = throttle.LIMITS.per_email.limit
    per_client = throttle.LIMITS.per_account - 1  # stay under the (client, email) limit
    answers = [_fail(app, f"10.1.{n // per_client}.{n % per_client}", email) for n in range(budget)]
    assert all(r.status_code == 400 for r in answers[:-1])
    assert str(LOGIN_FAILED) in text_of(answers[0])
    assert answers[-1].status_code == 429
    # Even the right password, from a brand-new client, is refused for now...
    right = _from(app, "10.9.9.9").submit("/auth/login", {"email": email, "password": PASSWORD})
    assert right.status_code == 429
    assert str(LOCKED_OUT).split("%")[0] in text_of(right)
    # ...while other accounts log in as usual from the same clients.
    assert _fail(app, "10.1.0.0", "someone-else@example.org").status_code == 400


def test_the_account_lock_reads_the_same_whether_or_not_the_account_exists(app, neighbor):
    budget = throttle.LIMITS.per_email.limit
    for email, net in ((neighbor.email, "10.2"), ("ghost@example.org", "10.3")):
        for n in range(budget):
            _fail(app, f"{net}.{n}.1", email)
    real = _fail(app, "10.4.0.1", neighbor.email)
    ghost = _fail(app, "10.4.0.2", "ghost@example.org")
    assert real.status_code == ghost.status_code == 429
    assert real.headers["Retry-After"] == ghost.headers["Retry-After"]
    assert text_of(real).replace(neighbor.email, "X") == text_of(ghost).replace(
        "ghost@example.org", "X"
    )
