"""The email outbox and its SMTP transport, against a real SMTP server on loopback: written
in the caller's transaction, sent after commit with proper headers, 4xx retried with
capped backoff and delivered once, 5xx recorded as permanent, nothing injected."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from mutualaid.email.dispatcher import dispatch_due, sweep
from mutualaid.email.outbox import queue_email
from mutualaid.email.sending import backoff_seconds
from mutualaid.extensions import db
from mutualaid.models import OutboundEmail, utcnow
from tests.factories import make_person


def _reload(row: OutboundEmail) -> OutboundEmail:
    db.session.expire_all()
    return db.session.get(OutboundEmail, row.id)


def _bind():
    return db.session.get_bind()


def _make_due(row: OutboundEmail) -> None:
    db.session.execute(
        update(OutboundEmail).where(OutboundEmail.id == row.id).values(next_attempt_at=utcnow())
    )
    db.session.commit()


def test_an_email_is_sent_only_after_the_transaction_commits(app, smtp):
    person = make_person(name="Ben Okoro", email="ben@example.org")
    row = queue_email(
        db.session, person, "Your group", "Plain body", "<p>HTML body</p>", kind="pod_formed",
        unsubscribe_url="http://localhost:5000/email/unsubscribe/abc",
    )  # fmt: skip
    assert smtp.received == []
    db.session.commit()
    [got] = smtp.to("ben@example.org")
    msg = got.message
    assert msg["Subject"] == "Your group"
    assert msg["To"].addresses[0].display_name == "Ben Okoro"
    assert msg["Message-ID"] == _reload(row).message_id
    assert msg["Date"] and msg["Auto-Submitted"] == "auto-generated"
    assert msg["List-Unsubscribe"] == "<http://localhost:5000/email/unsubscribe/abc>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_body(("plain",)).get_content().strip() == "Plain body"
    assert msg.get_body(("html",)).get_content().strip() == "<p>HTML body</p>"
    row = _reload(row)
    assert row.status == "sent" and row.attempts == 1 and row.sent_at is not None


def test_a_rolled_back_transaction_sends_nothing(app, smtp):
    person = make_person(email="undone@example.org")
    db.session.commit()
    queue_email(db.session, person, "Undone", "Undone", kind="notice")
    db.session.rollback()
    db.session.commit()
    assert smtp.received == []
    assert (
        db.session.scalar(
            select(OutboundEmail).where(OutboundEmail.to_address == "undone@example.org")
        )
        is None
    )


@pytest.mark.parametrize("reply", ["421 4.3.2 Service shutting down", "451 4.7.1 Try later"])
def test_temporary_refusals_are_retried_with_backoff_and_delivered_once(app, smtp, reply):
    smtp.answer("retry@example.org", reply)
    row = queue_email(db.session, "retry@example.org", "Retry me", "body", kind="notice")
    db.session.commit()
    first = _reload(row)
    assert first.status == "queued" and first.attempts == 1
    assert first.error_code == int(reply[:3])
    assert first.next_attempt_at > utcnow() + timedelta(seconds=20)  # backed off
    assert smtp.to("retry@example.org") == []
    assert sweep(bind=_bind()) == 0  # not due yet
    _make_due(row)
    assert dispatch_due(bind=_bind()) == 1
    assert len(smtp.to("retry@example.org")) == 1
    done = _reload(row)
    assert done.status == "sent" and done.attempts == 2
    assert sweep(bind=_bind()) == 0
    assert len(smtp.to("retry@example.org")) == 1  # delivered once


def test_550_no_such_user_is_permanent_and_never_retried(app, smtp):
    smtp.refuse("nobody@example.org", "550 5.1.1 No such user")
    row = queue_email(db.session, "nobody@example.org", "Hello", "body", kind="notice")
    db.session.commit()
    failed = _reload(row)
    assert failed.status == "failed" and failed.error_code == 550
    assert "No such user" in failed.error_message
    assert failed.next_attempt_at is None
    assert sweep(bind=_bind()) == 0
    assert smtp.received == []


def test_a_connection_refused_is_retried(app, smtp, smtp_server):
    smtp_server.stop()
    row = queue_email(db.session, "later@example.org", "Later", "body", kind="notice")
    db.session.commit()
    waiting = _reload(row)
    assert waiting.status == "queued" and waiting.attempts == 1
    assert "Error" in waiting.error_message or "refused" in waiting.error_message.lower()


def test_retries_stop_after_max_attempts(app, smtp, settings_override):
    settings_override(email_max_attempts=2)
    smtp.answer("flaky@example.org", "451 later", "451 later")
    row = queue_email(db.session, "flaky@example.org", "Flaky", "body", kind="notice")
    db.session.commit()
    _make_due(row)
    dispatch_due(bind=_bind())
    gave_up = _reload(row)
    assert gave_up.status == "failed" and gave_up.attempts == 2
    assert "gave up after 2 attempts" in gave_up.error_message


def test_backoff_grows_and_is_capped(app, settings_override):
    settings = settings_override(email_retry_base_seconds=30, email_retry_max_seconds=600)
    assert 27 <= backoff_seconds(1, settings) <= 33
    assert 54 <= backoff_seconds(2, settings) <= 66
    assert backoff_seconds(20, settings) <= 660


def test_an_expired_lease_is_sent_again_with_the_same_message_id(app, smtp):
    """A worker died after claiming: the row stays "sending" until its lease runs out, then
    goes out (again, perhaps) with the Message-ID fixed when it was written."""
    row = queue_email(db.session, "lease@example.org", "Lease", "body", kind="notice")
    db.session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id == row.id)
        .values(
            status="sending", claimed_at=utcnow(), next_attempt_at=utcnow() + timedelta(minutes=2)
        )
    )
    db.session.info.pop("email_outbox_pending", None)
    db.session.commit()
    assert sweep(bind=_bind()) == 0  # lease still running: not touched
    _make_due(row)
    assert sweep(bind=_bind()) == 1
    [got] = smtp.to("lease@example.org")
    assert got.message_id == _reload(row).message_id and _reload(row).status == "sent"


@pytest.mark.parametrize(
    "name, subject",
    [
        ("Eve\r\nBcc: victim@example.net", "Hi\r\nBcc: victim@example.net"),
        ("Eve\nX-Injected: 1", "Subject\x00\x1b with controls\u2028and more"),
    ],
)
def test_cr_lf_in_names_and_subjects_cannot_add_headers(app, smtp, name, subject):
    person = make_person(name=name, email="eve@example.org")
    queue_email(db.session, person, subject, "body", kind="notice")
    db.session.commit()
    [got] = smtp.to("eve@example.org")
    assert got.rcpt_tos == ["eve@example.org"]
    assert got.message["Bcc"] is None and got.message["X-Injected"] is None
    assert "\n" not in got.message["Subject"] and "\r" not in got.message["Subject"]


@pytest.mark.parametrize(
    "address",
    ["a" * 300 + "@example.org", "two@@example.org", "bad\r\n@example.org", "x@y@z", ""],
)
def test_unusable_addresses_are_recorded_as_cancelled_and_never_sent(app, smtp, address):
    row = queue_email(db.session, address, "Hi", "body", kind="notice")
    db.session.commit()
    assert _reload(row).status == "cancelled"
    assert smtp.received == []


def test_invalid_utf8_in_a_body_does_not_stop_the_queue(app, smtp):
    bad = b"caf\xe9".decode("utf-8", "surrogateescape")
    queue_email(db.session, "utf@example.org", "Caf\udce9", bad, kind="notice")
    db.session.commit()
    [got] = smtp.to("utf@example.org")
    assert "caf" in got.message.get_body(("plain",)).get_content()


def test_permanent_failures_are_shown_to_coordinators(app, smtp, admin_client):
    person = make_person(name="Gone Address", email="gone@example.org")
    smtp.refuse("gone@example.org", "550 5.1.1 No such user")
    queue_email(db.session, person, "Your group is complete", "body", kind="pod_formed")
    db.session.commit()
    page = admin_client.get(f"/coordinate/people/{person.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Emails not delivered" in text and "550 5.1.1 No such user" in text


def test_spanish_subjects_and_names_arrive_intact(app, smtp):
    person = make_person(name="Ána Pérez", email="ana@example.org")
    subject = "¿Puedes ayudar a un vecino? (Q7K) " * 3
    queue_email(db.session, person, subject, "Hola, Ána: ¿puedes?", "<p>¿puedes?</p>", kind="x")
    db.session.commit()
    [got] = smtp.to("ana@example.org")
    assert got.message["Subject"] == subject.strip()
    assert got.message["To"].addresses[0].display_name == "Ána Pérez"
    assert got.message.get_body(("plain",)).get_content().strip() == "Hola, Ána: ¿puedes?"


def test_internationalised_addresses_are_refused_not_stuck(app, smtp):
    row = queue_email(db.session, "ñandú@example.org", "Hi", "body", kind="notice")
    db.session.commit()
    assert _reload(row).status == "cancelled"
