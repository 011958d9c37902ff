"""The webhook stores, the worker applies: once, in order per number, never lost.

Here the queue is replaced by a list (``tasks``) so a test decides when "the worker" runs a
task, or loses it; ``process_stored`` is what the Huey task ``process_inbound`` runs.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from mutualaid.extensions import db
from mutualaid.models import Person, SmsMessage, utcnow
from mutualaid.models.people import CONSENT_OPTED_IN, CONSENT_OPTED_OUT
from mutualaid.sms import apply
from mutualaid.sms.dispatcher import sweep
from mutualaid.sms.intake import process_stored
from mutualaid.sms.outbox import queue_sms
from mutualaid.workspace.inbox import inbox_page
from tests.factories import make_person, make_texter, unique_phone
from tests.fakes.twilio_emulator import inbound_params, send_inbound, sign
from tests.sms.conftest import INBOUND_URL


@pytest.fixture
def tasks(monkeypatch) -> list[int]:
    """The ids the webhook enqueued; nothing runs until the test says so."""
    queued: list[int] = []
    monkeypatch.setattr("mutualaid.web.sms_hooks.routes.enqueue_inbound", queued.append)
    return queued


@pytest.fixture
def handler_calls():
    """Install a recording text handler (the conversation layer is restored afterwards)."""
    calls: list[str] = []
    behaviour: dict = {"raise": False}

    def handler(session, person, message):
        calls.append(message.body)
        if behaviour["raise"]:
            person.name = "Changed by a handler that then failed"
            session.flush()
            raise RuntimeError("the conversation layer broke")
        message.handled_at = utcnow()
        return f"Got: {message.body}"

    previous = apply.handle_text  # the conversation layer
    apply.handle_text = handler
    yield calls, behaviour
    apply.handle_text = previous


def _replies(number: str) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(SmsMessage.body)
            .where(SmsMessage.direction == "out", SmsMessage.to_number == number)
            .order_by(SmsMessage.id)
        )
    )


def _text(sid: str) -> SmsMessage:
    db.session.expire_all()
    message = db.session.scalar(select(SmsMessage).where(SmsMessage.provider_sid == sid))
    assert message is not None
    return message


def _post(client, number: str, body: str) -> tuple[int, str]:
    params = inbound_params(number, body)
    response = client.post(
        "/sms/inbound", data=params, headers={"X-Twilio-Signature": sign(INBOUND_URL, params)}
    )
    return response.status_code, params["MessageSid"]


def test_the_webhook_stores_and_the_worker_answers(client, tasks, handler_calls):
    calls, _ = handler_calls
    number = unique_phone()
    status, sid = _post(client, number, "NEED groceries 11211")
    assert status == 200
    stored = _text(sid)
    assert stored.processed_at is None and stored.person_id is None
    assert calls == [] and _replies(number) == []  # nothing applied in the request
    assert tasks == [stored.id]
    assert process_stored(stored.id) is True
    stored = _text(sid)
    assert stored.processed_at is not None
    texter = db.session.get(Person, stored.person_id)
    assert texter.phone == number and texter.sms_consent == CONSENT_OPTED_IN
    assert _replies(number) == ["Got: NEED groceries 11211"]


def test_a_duplicate_sid_is_enqueued_and_applied_once(client, tasks, handler_calls):
    calls, _ = handler_calls
    number = unique_phone()
    params = inbound_params(number, "is the pod meeting today?")
    headers = {"X-Twilio-Signature": sign(INBOUND_URL, params)}
    assert client.post("/sms/inbound", data=params, headers=headers).status_code == 200
    assert client.post("/sms/inbound", data=params, headers=headers).status_code == 200
    assert len(tasks) == 1
    for message_id in tasks:
        process_stored(message_id)
    assert calls == ["is the pod meeting today?"]
    assert _replies(number) == ["Got: is the pod meeting today?"]


def test_processing_a_text_twice_has_one_effect(client, tasks, handler_calls):
    calls, _ = handler_calls
    number = unique_phone()
    _post(client, number, "hello")
    assert process_stored(tasks[0]) is True
    assert process_stored(tasks[0]) is False  # a redelivered task, or the sweep's copy
    assert calls == ["hello"]
    assert _replies(number) == ["Got: hello"]


def test_a_lost_task_is_picked_up_by_the_sweep_once(client, tasks, handler_calls):
    calls, _ = handler_calls
    number = unique_phone()
    _, sid = _post(client, number, "can someone walk my dog?")
    tasks.clear()  # the task was lost (queue down, worker crashed)
    bind = db.session.get_bind()
    sweep(bind=bind)
    assert calls == [] and _text(sid).processed_at is None  # just stored: the task may run
    db.session.execute(
        update(SmsMessage)
        .where(SmsMessage.provider_sid == sid)
        .values(created_at=utcnow() - timedelta(seconds=30))
    )
    sweep(bind=bind)
    sweep(bind=bind)
    assert calls == ["can someone walk my dog?"]
    assert _text(sid).processed_at is not None
    assert _replies(number) == ["Got: can someone walk my dog?"]


def test_stop_is_applied_in_the_request_before_any_worker_runs(client, tasks):
    person = make_texter(sms_consent=CONSENT_OPTED_IN)
    notice = queue_sms(db.session, person, "Your pod meets at 5", kind="notice")
    notice.next_attempt_at = utcnow() + timedelta(minutes=5)  # paced: not sent yet
    db.session.commit()
    status, sid = _post(client, person.phone, "Stop.")
    assert status == 200 and tasks == []  # nothing left for the worker
    db.session.expire_all()
    assert db.session.get(Person, person.id).sms_consent == CONSENT_OPTED_OUT
    assert db.session.get(SmsMessage, notice.id).status == "cancelled"
    assert _text(sid).processed_at is not None


def test_two_quick_texts_from_one_number_are_applied_in_arrival_order(client, tasks, handler_calls):
    calls, _ = handler_calls
    number = unique_phone()
    _post(client, number, "NEED a ride to the clinic")
    _post(client, number, "tuesday at 9")
    first, second = tasks
    # The second text's task runs first (another worker thread got it): the first text of
    # the number is applied before it, and its own task then finds nothing left to do.
    assert process_stored(second) is True
    assert process_stored(first) is False
    assert calls == ["NEED a ride to the clinic", "tuesday at 9"]
    assert _replies(number) == ["Got: NEED a ride to the clinic", "Got: tuesday at 9"]


def test_a_keyword_after_an_unapplied_text_waits_its_turn(client, tasks, handler_calls):
    calls, _ = handler_calls
    person = make_texter(sms_consent=CONSENT_OPTED_IN)
    db.session.commit()
    _post(client, person.phone, "I need groceries")
    _post(client, person.phone, "STOP")
    # The request applied the earlier text first (its task had not run yet), then STOP.
    assert calls == ["I need groceries"]
    assert process_stored(tasks[0]) is False
    db.session.expire_all()
    person = db.session.get(Person, person.id)
    assert person.sms_consent == CONSENT_OPTED_OUT
    assert _replies(person.phone) == ["Got: I need groceries"]
    assert queue_sms(db.session, person, "Your pod is ready", kind="notice").status == "cancelled"


def test_a_failing_handler_leaves_the_text_in_the_inbox_with_a_polite_reply(
    client, tasks, handler_calls
):
    calls, behaviour = handler_calls
    behaviour["raise"] = True
    coordinator = make_person("coordinator")
    texter = make_texter(name="Ana Texter")
    db.session.commit()
    _, sid = _post(client, texter.phone, "my building lost power, I need ice")
    assert process_stored(tasks[0]) is True
    assert process_stored(tasks[0]) is False  # not retried forever
    assert len(calls) == 1
    message = _text(sid)
    assert message.processed_at is not None and message.handled_at is None
    assert db.session.get(Person, texter.id).name == "Ana Texter"  # handler's write undone
    assert _replies(texter.phone) == [
        "Sorry, we could not act on your text just now. A neighborhood coordinator will read it."
    ]
    inbox = inbox_page(db.session, coordinator)
    assert message.id in [m.id for m, _ in inbox.rows]


def test_an_unapplied_text_is_already_in_the_coordinators_inbox(client, tasks):
    coordinator = make_person("coordinator")
    db.session.commit()
    assert send_inbound(client, INBOUND_URL, unique_phone(), "hello?").status_code == 200
    assert tasks  # the worker has not run
    inbox = inbox_page(db.session, coordinator)
    assert "hello?" in [m.body for m, _ in inbox.rows]


def test_start_is_applied_in_the_request_and_help_is_answered_by_the_worker(client, tasks):
    person = make_texter(sms_consent=CONSENT_OPTED_OUT)
    db.session.commit()
    _post(client, person.phone, "START")
    assert tasks == []
    db.session.expire_all()
    assert db.session.get(Person, person.id).sms_consent == CONSENT_OPTED_IN
    assert len(_replies(person.phone)) == 1
    _post(client, person.phone, "help")
    assert len(tasks) == 1 and len(_replies(person.phone)) == 1
    process_stored(tasks[0])
    assert "text NEED, OFFER" in _replies(person.phone)[-1]
