"""The outbox: written in the caller's transaction, sent after commit, never to opted-out
numbers, capped, retried with backoff, failed permanently, reconciled after a crash."""

from __future__ import annotations

import importlib
import itertools
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, SmsMessage, utcnow
from mutualaid.models.people import CONSENT_OPTED_OUT
from mutualaid.sms import compliance
from mutualaid.sms.dispatcher import dispatch_due, dispatch_message, sweep
from mutualaid.sms.outbox import queue_sms
from mutualaid.sms.sending import backoff_seconds
from tests.factories import make_texter, unique_phone


def _reload(message: SmsMessage) -> SmsMessage:
    db.session.expire_all()
    return db.session.get(SmsMessage, message.id)


def test_a_text_is_sent_only_after_the_transaction_commits(app, twilio_gateway, emulator):
    person = make_texter()
    message = queue_sms(db.session, person, "Your pod is ready.", kind="notice")
    assert message.status == "queued"
    assert emulator.sent_to(person.phone) == []  # nothing leaves before the commit
    db.session.commit()
    sent = emulator.sent_to(person.phone)
    assert [m.body for m in sent] == ["Your pod is ready."]
    row = _reload(message)
    assert row.status == "sent"
    assert row.provider_sid == sent[0].sid and row.provider_sid.startswith("SM")
    assert row.attempts == 1 and row.sent_at is not None


def test_a_rolled_back_transaction_sends_nothing(app, twilio_gateway, emulator):
    person = make_texter()
    db.session.commit()
    phone = person.phone
    queue_sms(db.session, person, "This change was undone.", kind="notice")
    db.session.rollback()
    db.session.commit()
    assert emulator.sent_to(phone) == []
    assert db.session.scalar(select(SmsMessage).where(SmsMessage.to_number == phone)) is None


def test_idempotency_key_queues_once(app, twilio_gateway, emulator):
    person = make_texter()
    first = queue_sms(db.session, person, "Invite A7K", kind="notice", idempotency_key="inv-1")
    again = queue_sms(db.session, person, "Invite A7K", kind="notice", idempotency_key="inv-1")
    db.session.commit()
    assert first.id == again.id
    assert len(emulator.sent_to(person.phone)) == 1


def test_queue_to_an_opted_out_person_is_recorded_but_never_sent(app, twilio_gateway, emulator):
    person = make_texter(sms_consent=CONSENT_OPTED_OUT)
    message = queue_sms(db.session, person, "hello", kind="notice")
    db.session.commit()
    row = _reload(message)
    assert row.status == "cancelled" and row.error_message == "opted out"
    assert emulator.sent_to(person.phone) == []


def test_opt_out_is_checked_again_at_send_time(app, twilio_gateway, emulator, monkeypatch):
    person = make_texter()
    # The task is lost (queue down): the row waits in the outbox.
    monkeypatch.setattr("mutualaid.sms.dispatcher.enqueue_dispatch", lambda ids, bind=None: None)
    message = queue_sms(db.session, person, "hello", kind="notice")
    db.session.commit()
    # Meanwhile the number opts out without the row being cancelled (e.g. a STOP handled
    # by another process between this row's queueing and its send).
    person.sms_consent = CONSENT_OPTED_OUT
    db.session.commit()
    monkeypatch.undo()
    assert dispatch_message(message.id, bind=db.session.get_bind()) is None
    row = _reload(message)
    assert row.status == "cancelled" and "opted out" in row.error_message
    assert emulator.sent_to(person.phone) == []


def test_opting_out_cancels_queued_texts(app, monkeypatch):
    monkeypatch.setattr("mutualaid.sms.dispatcher.enqueue_dispatch", lambda ids, bind=None: None)
    person = make_texter()
    waiting = [queue_sms(db.session, person, f"notice {i}", kind="notice") for i in range(3)]
    db.session.commit()
    assert compliance.opt_out(db.session, person, source="keyword") == 3
    db.session.commit()
    assert {_reload(m).status for m in waiting} == {"cancelled"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sms.opted_out"))
    assert event.target_id == person.id and event.details["cancelled"] == 3


def test_daily_cap_per_recipient(app, settings_override):
    settings_override(sms_daily_cap=2)
    person = make_texter()
    rows = [queue_sms(db.session, person, f"n{i}", kind="notice") for i in range(3)]
    db.session.commit()
    assert [_reload(m).status for m in rows] == ["sent", "sent", "cancelled"]
    assert _reload(rows[2]).error_message == "daily cap reached"
    other = queue_sms(db.session, make_texter(), "someone else", kind="notice")
    assert other.status == "queued"


def test_replies_to_unknown_numbers_are_capped_but_known_people_are_not(app, settings_override):
    settings_override(sms_unknown_reply_cap=2, sms_daily_cap=50)
    stranger = make_texter()
    replies = [queue_sms(db.session, stranger, f"r{i}", kind="reply") for i in range(3)]
    assert [r.status for r in replies] == ["queued", "queued", "cancelled"]
    assert replies[2].error_message == "unknown-number reply cap reached"
    compliance.mark_number_known(db.session, stranger)
    assert queue_sms(db.session, stranger, "now known", kind="reply").status == "queued"


def test_replies_go_ahead_of_notices(app, monkeypatch):
    monkeypatch.setattr("mutualaid.sms.dispatcher.enqueue_dispatch", lambda ids, bind=None: None)
    person = make_texter()
    notice = queue_sms(db.session, person, "bulk notice", kind="notice")
    reply = queue_sms(db.session, person, "answer to your text", kind="reply")
    db.session.flush()
    from mutualaid.sms.sending import due_message_ids

    ids = due_message_ids(db.session)
    assert ids.index(reply.id) < ids.index(notice.id)


def test_429_and_500_are_retried_with_growing_backoff(app, twilio_gateway, emulator):
    emulator.fail_next("429", "500")
    person = make_texter()
    message = queue_sms(db.session, person, "retry me", kind="notice")
    db.session.commit()
    row = _reload(message)
    assert row.status == "queued" and row.error_code == 20429 and row.attempts == 1
    first_wait = row.next_attempt_at - utcnow()
    assert timedelta(seconds=20) < first_wait <= timedelta(seconds=34)
    # Not due yet: the sweep leaves it alone.
    assert sweep(bind=db.session.get_bind()) == 0
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert dispatch_due(bind=db.session.get_bind()) == 1
    row = _reload(message)
    assert row.status == "queued" and row.error_code == 20500 and row.attempts == 2
    assert row.next_attempt_at - utcnow() > first_wait  # exponential
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert sweep(bind=db.session.get_bind()) == 1
    row = _reload(message)
    assert row.status == "sent" and row.attempts == 3 and row.error_code is None
    assert len(emulator.sent_to(person.phone)) == 1


def test_backoff_is_capped(app, settings_override):
    settings = settings_override(sms_retry_base_seconds=30, sms_retry_max_seconds=600)
    assert backoff_seconds(1, settings) == pytest.approx(30, rel=0.11)
    assert backoff_seconds(3, settings) == pytest.approx(120, rel=0.11)
    assert backoff_seconds(20, settings) <= 660


def test_retries_stop_after_max_attempts(app, twilio_gateway, emulator, settings_override):
    settings_override(sms_max_attempts=2)
    emulator.fail_next("503", "503")
    message = queue_sms(db.session, make_texter(), "x", kind="notice")
    db.session.commit()
    row = _reload(message)
    row.next_attempt_at = utcnow()
    db.session.commit()
    dispatch_due(bind=db.session.get_bind())
    row = _reload(message)
    assert row.status == "failed" and row.attempts == 2 and row.error_code == 20503


@pytest.mark.parametrize("code", ["21211", "21614", "21408"])
def test_permanent_errors_fail_once_and_surface(app, twilio_gateway, emulator, code):
    emulator.fail_next(code)
    message = queue_sms(db.session, make_texter(), "bad number", kind="notice")
    db.session.commit()
    row = _reload(message)
    assert row.status == "failed" and row.error_code == int(code) and row.attempts == 1
    assert row.next_attempt_at is None
    assert sweep(bind=db.session.get_bind()) == 0  # never retried
    # Coordinators see it with the person's texts, marked as not delivered.
    from mutualaid.models import Person
    from mutualaid.workspace.people import history_of

    texts = history_of(db.session, db.session.get(Person, row.person_id)).texts
    assert row in texts and row.status == "failed"


def test_21610_marks_the_person_opted_out_and_cancels_their_queue(
    app, twilio_gateway, emulator, monkeypatch
):
    person = make_texter()
    db.session.commit()
    monkeypatch.setattr("mutualaid.sms.dispatcher.enqueue_dispatch", lambda ids, bind=None: None)
    first = queue_sms(db.session, person, "one", kind="notice")
    second = queue_sms(db.session, person, "two", kind="notice")
    db.session.commit()
    monkeypatch.undo()
    emulator.fail_next("21610")
    dispatch_message(first.id, bind=db.session.get_bind())
    assert _reload(first).status == "failed" and _reload(first).error_code == 21610
    assert _reload(second).status == "cancelled"
    db.session.refresh(person)
    assert person.sms_consent == CONSENT_OPTED_OUT and person.sms_opted_out_at is not None
    assert emulator.sent_to(person.phone) == []


def test_21610_for_a_bare_number_records_a_phone_only_person(app, twilio_gateway, emulator):
    number = unique_phone()
    emulator.fail_next("21610")
    queue_sms(db.session, number, "hello", kind="notice")
    db.session.commit()
    later = queue_sms(db.session, number, "again", kind="notice")
    assert later.status == "cancelled" and later.error_message == "opted out"


def test_timeout_before_storing_retries_after_reconciling(app, twilio_gateway, emulator):
    emulator.fail_next("timeout")
    person = make_texter()
    message = queue_sms(db.session, person, "slow network", kind="notice")
    db.session.commit()
    row = _reload(message)
    assert row.status == "sending" and row.attempts == 1  # ambiguous: reconcile first
    row.next_attempt_at = utcnow()
    db.session.commit()
    dispatch_due(bind=db.session.get_bind())
    row = _reload(message)
    assert row.status == "sent"
    assert [m.sid for m in emulator.sent_to(person.phone)] == [row.provider_sid]


def test_accepted_then_timeout_is_reconciled_without_a_second_send(app, twilio_gateway, emulator):
    emulator.fail_next("accepted_then_timeout")
    person = make_texter()
    message = queue_sms(db.session, person, "went out, answer lost", kind="notice")
    db.session.commit()
    assert _reload(message).status == "sending"
    row = _reload(message)
    row.next_attempt_at = utcnow()
    db.session.commit()
    dispatch_due(bind=db.session.get_bind())
    sent = emulator.sent_to(person.phone)
    assert len(sent) == 1  # not sent twice
    row = _reload(message)
    assert row.status == "sent" and row.provider_sid == sent[0].sid


def test_crash_while_sending_is_reconciled_before_any_resend(app, twilio_gateway, emulator):
    """A worker claimed the row, the provider accepted it, and the worker died before
    recording the sid: the row sits in "sending". The next pass asks the provider first."""
    person = make_texter()
    db.session.commit()
    # What the dead worker did: claim, and send through the provider.
    message = queue_sms(db.session, person, "sent before the crash", kind="notice")
    message.status = "sending"
    message.claimed_at = utcnow() - timedelta(minutes=3)
    message.next_attempt_at = utcnow() - timedelta(seconds=1)  # the lease ran out
    message.attempts = 0
    db.session.info.pop("sms_outbox_pending", None)
    db.session.commit()
    twilio_gateway.send(person.phone, "sent before the crash")
    # And a crashed row that never reached the provider is resent once.
    lost = queue_sms(db.session, person, "never reached Twilio", kind="notice")
    lost.status = "sending"
    lost.claimed_at = utcnow() - timedelta(minutes=3)
    lost.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.info.pop("sms_outbox_pending", None)
    db.session.commit()

    assert dispatch_due(bind=db.session.get_bind()) == 2
    bodies = sorted(m.body for m in emulator.sent_to(person.phone))
    assert bodies == ["never reached Twilio", "sent before the crash"]
    assert _reload(message).status == "sent" and _reload(message).provider_sid
    assert _reload(lost).status == "sent"
    gets = [p for method, p in emulator.requests if method == "GET"]
    assert len(gets) == 2 and all("To=%2B1" in p for p in gets)


def test_status_moves_forward_only(app):
    from mutualaid.sms.outbox import advance_status

    message = SmsMessage(status="sent", provider_status="queued")
    assert advance_status(message, "delivered", None)
    assert not advance_status(message, "sent", None)  # late "sent" never wins
    assert not advance_status(message, "undelivered", 30003)
    assert message.status == "delivered"
    other = SmsMessage(status="sent", provider_status="queued")
    advance_status(other, "sent", None)
    advance_status(other, "sending", None)  # late "sending" does not undo "sent"
    assert other.provider_status == "sent"
    assert advance_status(other, "undelivered", 30003)
    assert other.status == "undelivered" and other.error_code == 30003


class FakeClock:
    """Stands in for the ``time`` module where the pacer lives: ``sleep`` advances the clock
    at once and is recorded, so spacing is asserted exactly, whatever the machine's load."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def __getattr__(self, name: str):  # anything else the module uses: the real one
        return getattr(time, name)


@pytest.fixture
def pacer_clock(monkeypatch) -> FakeClock:
    from mutualaid.sms.dispatcher import Pacer

    clock = FakeClock()
    monkeypatch.setattr(importlib.import_module(Pacer.__module__), "time", clock)
    return clock


def test_pacing_spaces_sends(app, pacer_clock):
    from mutualaid.sms.dispatcher import Pacer

    pacer = Pacer(20.0)
    started = pacer_clock.now
    slots = []
    for _ in range(5):
        pacer.wait()
        slots.append(round(pacer_clock.now - started, 6))
    assert slots == [0.0, 0.05, 0.1, 0.15, 0.2]  # one send every 1/20 s, the first at once
    pacer_clock.sleeps.clear()
    unpaced = Pacer(0)
    for _ in range(100):
        unpaced.wait()
    assert pacer_clock.sleeps == []  # no pacing: never waits


def test_claims_take_replies_first(app, monkeypatch):
    from mutualaid.sms.sending import claim_batch

    monkeypatch.setattr("mutualaid.sms.dispatcher.enqueue_dispatch", lambda ids, bind=None: None)
    person = make_texter()
    queue_sms(db.session, person, "bulk notice", kind="notice")
    reply = queue_sms(db.session, person, "answer", kind="reply")
    db.session.commit()
    (first,) = claim_batch(db.session, limit=1)
    assert first.id == reply.id and first.body == "answer"
    assert _reload(reply).status == "sending" and _reload(reply).claimed_at is not None


def test_the_worker_paces_sends_to_the_configured_rate(
    app, twilio_gateway, emulator, settings_override, monkeypatch, pacer_clock
):
    settings_override(sms_rate_per_second=10.0)
    with monkeypatch.context() as queue_down:
        queue_down.setattr("mutualaid.sms.dispatcher.enqueue_dispatch", lambda ids, bind=None: None)
        person = make_texter()
        for i in range(4):
            queue_sms(db.session, person, f"paced {i}", kind="notice")
        db.session.commit()
    app.extensions.pop("sms_pacer", None)
    sent_at: list[float] = []
    real_send = twilio_gateway.send

    def send(*args, **kwargs):
        sent_at.append(pacer_clock.now)
        return real_send(*args, **kwargs)

    monkeypatch.setattr(twilio_gateway, "send", send)
    assert dispatch_due(bind=db.session.get_bind()) == 4
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(sent_at)]
    assert gaps == [0.1, 0.1, 0.1]  # 4 sends at 10/s: each waits its 0.1 s turn
    assert sorted(m.body for m in emulator.sent_to(person.phone)) == [
        f"paced {i}" for i in range(4)
    ]
    app.extensions.pop("sms_pacer", None)


def test_paced_sending_holds_one_worker_thread_and_leaves_nothing_behind(
    app, twilio_gateway, emulator, settings_override, monkeypatch, pacer_clock
):
    """With pacing on, a send task that arrives on another thread while one thread is
    sending returns without waiting for it (the worker thread is free for inbound texts);
    the sending thread sends its rows and the late one."""
    from mutualaid.sms import dispatcher

    settings_override(sms_rate_per_second=20.0)
    app.extensions.pop("sms_pacer", None)
    monkeypatch.setattr("mutualaid.sms.dispatcher.enqueue_dispatch", lambda ids, bind=None: None)
    person, other = make_texter(), make_texter()
    first = [queue_sms(db.session, person, f"notice {i}", kind="notice").id for i in range(3)]
    db.session.commit()
    bind = db.session.get_bind()
    real_due = dispatcher.dispatch_due
    late_task: dict = {}
    late_returned = threading.Event()

    def late_worker_thread(message_id: int) -> None:
        with app.app_context():
            late_task["handled"] = dispatcher.dispatch_paced([message_id], bind=bind)
        late_returned.set()

    def due_with_a_task_arriving(limit=10_000, *, bind=None, gateway=None):
        if not late_task:  # another thread's task, for a text written while we send
            late = queue_sms(db.session, other, "your pod is ready", kind="notice")
            db.session.commit()
            late_task["thread"] = threading.Thread(target=late_worker_thread, args=(late.id,))
            late_task["thread"].start()
            # This thread holds the sending slot until the late task has returned.
            late_task["returned_while_sending"] = late_returned.wait(timeout=30)
            late_task["sent_by_then"] = len(emulator.sent_to(other.phone))
        return real_due(limit, bind=bind, gateway=gateway)

    monkeypatch.setattr(dispatcher, "dispatch_due", due_with_a_task_arriving)
    handled = dispatcher.dispatch_paced(first, bind=bind)
    late_task["thread"].join(timeout=30)
    assert late_task["returned_while_sending"], "the late task waited for the sending thread"
    assert late_task["handled"] == 0 and late_task["sent_by_then"] == 0  # it sent nothing
    assert handled == 4  # the sending thread sent the late text too
    assert len(emulator.sent_to(person.phone)) == 3 and len(emulator.sent_to(other.phone)) == 1
    app.extensions.pop("sms_pacer", None)


def test_one_commit_of_many_texts_is_sent_in_batches(app, twilio_gateway, emulator):
    people = [make_texter() for _ in range(120)]
    for person in people:
        queue_sms(db.session, person, "Water distribution at noon", kind="notice")
    db.session.commit()
    assert sum(len(emulator.sent_to(p.phone)) for p in people) == 120
    statuses = db.session.scalars(
        select(SmsMessage.status).where(SmsMessage.to_number.in_([p.phone for p in people]))
    ).all()
    assert statuses == ["sent"] * 120
