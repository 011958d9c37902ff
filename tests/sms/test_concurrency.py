"""Concurrency with real commits and real connections: twin webhooks at the same moment,
and several workers racing for one outbox row."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import Person, SmsMessage
from mutualaid.sms.dispatcher import dispatch_message
from mutualaid.sms.gateway import ConsoleGateway, SendResult
from mutualaid.sms.outbox import queue_sms
from tests.conftest import BACKEND
from tests.factories import unique_phone
from tests.fakes.twilio_emulator import inbound_params, sign
from tests.sms.conftest import INBOUND_URL, purge_numbers

pytestmark = [
    pytest.mark.committed,
    pytest.mark.skipif(BACKEND != "postgres", reason="needs real PostgreSQL concurrency"),
]


def _together(n: int, work) -> list:
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        barrier.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_the_same_message_sid_at_the_same_moment_has_one_effect(app):
    number = unique_phone()
    params = inbound_params(number, "can anyone help with groceries?")
    headers = {"X-Twilio-Signature": sign(INBOUND_URL, params)}
    try:
        codes = _together(
            8,
            lambda i: (
                app.test_client().post("/sms/inbound", data=params, headers=headers).status_code
            ),
        )
        assert codes == [200] * 8
        with app.app_context():
            count = lambda *w: db.session.scalar(select(func.count(SmsMessage.id)).where(*w))  # noqa: E731
            assert count(SmsMessage.provider_sid == params["MessageSid"]) == 1
            assert count(SmsMessage.direction == "out", SmsMessage.to_number == number) == 1
            assert (
                db.session.scalar(select(func.count(Person.id)).where(Person.phone == number)) == 1
            )
    finally:
        with app.app_context():
            purge_numbers(number)


def test_two_first_texts_from_a_new_number_at_once_make_one_person(app):
    number = unique_phone()
    forms = [inbound_params(number, f"text {i}") for i in range(4)]
    try:
        codes = _together(
            4,
            lambda i: (
                app.test_client()
                .post(
                    "/sms/inbound",
                    data=forms[i],
                    headers={"X-Twilio-Signature": sign(INBOUND_URL, forms[i])},
                )
                .status_code
            ),
        )
        assert codes == [200] * 4
        with app.app_context():
            assert (
                db.session.scalar(select(func.count(Person.id)).where(Person.phone == number)) == 1
            )
            inbound = db.session.scalar(
                select(func.count(SmsMessage.id)).where(SmsMessage.from_number == number)
            )
            assert inbound == 4
    finally:
        with app.app_context():
            purge_numbers(number)


class SlowCountingGateway(ConsoleGateway):
    def __init__(self) -> None:
        super().__init__()
        self.sent: list[str] = []
        self._lock = threading.Lock()

    def send(self, to, body, status_callback=None) -> SendResult:
        time.sleep(0.2)  # hold the claim while the other workers try
        with self._lock:
            self.sent.append(body)
        return super().send(to, body, status_callback)


def test_several_workers_never_send_the_same_row_twice(app, monkeypatch):
    number = unique_phone()
    gateway = SlowCountingGateway()
    try:
        with app.app_context():
            monkeypatch.setattr(
                "mutualaid.sms.dispatcher.enqueue_dispatch", lambda ids, bind=None: None
            )
            rows = [queue_sms(db.session, number, f"race {i}", kind="notice") for i in range(3)]
            db.session.commit()
            ids = [r.id for r in rows]
            monkeypatch.undo()

        def work(i: int):
            with app.app_context():
                return [dispatch_message(m, gateway=gateway) for m in ids]

        _together(6, work)
        assert sorted(gateway.sent) == ["race 0", "race 1", "race 2"]
        with app.app_context():
            statuses = db.session.scalars(select(SmsMessage.status).where(SmsMessage.id.in_(ids)))
            assert set(statuses) == {"sent"}
    finally:
        with app.app_context():
            purge_numbers(number)


def _store(app, number: str, bodies: list[str]) -> list[int]:
    from mutualaid.sms.inbound import store_inbound

    with app.app_context():
        ids = [
            store_inbound(
                db.session,
                sid=inbound_params(number, body)["MessageSid"],
                from_number=number,
                to_number="+15005550006",
                body=body,
            )
            for body in bodies
        ]
        db.session.commit()
    return ids


def test_worker_threads_apply_one_numbers_texts_once_and_in_order(app):
    from mutualaid.sms import inbound
    from mutualaid.sms.intake import process_stored

    number = unique_phone()
    calls: list[str] = []

    def slow_handler(session, person, message):
        calls.append(message.body)
        time.sleep(0.3)  # hold the number while the other workers' tasks arrive
        return f"Got: {message.body}"

    first, second = _store(app, number, ["NEED a ride to the clinic", "tuesday at 9"])

    def work(i: int) -> bool:
        # Tasks for both texts, twice each (a redelivered task), on four worker threads;
        # the second text's tasks start first.
        time.sleep(0.05 * (i // 2))
        with app.app_context():
            return process_stored(second if i % 2 == 0 else first)

    previous = inbound._text_handler
    inbound.set_text_handler(slow_handler)
    try:
        applied = _together(4, work)
        assert sum(applied) >= 1
        assert calls == ["NEED a ride to the clinic", "tuesday at 9"]
        with app.app_context():
            replies = db.session.scalars(
                select(SmsMessage.body)
                .where(SmsMessage.direction == "out", SmsMessage.to_number == number)
                .order_by(SmsMessage.id)
            ).all()
            assert replies == ["Got: NEED a ride to the clinic", "Got: tuesday at 9"]
    finally:
        inbound.set_text_handler(previous)
        with app.app_context():
            purge_numbers(number)


def test_the_webhook_survives_a_dropped_database_connection(app):
    """The webhook's INSERT runs without pre-ping: a connection the database dropped (a
    restart, an idle timeout) fails once, and the text is stored on a fresh connection."""
    from sqlalchemy import text

    client = app.test_client()
    number = unique_phone()

    def post(body: str) -> int:
        params = inbound_params(number, body)
        headers = {"X-Twilio-Signature": sign(INBOUND_URL, params)}
        return client.post("/sms/inbound", data=params, headers=headers).status_code

    try:
        assert post("first") == 200
        engine = app.extensions["sms_inbound_engine"]
        engine.dispose()  # exactly one pooled connection from here on
        assert post("second") == 200
        with engine.connect() as conn:
            pid = conn.connection.dbapi_connection.info.backend_pid
        with app.app_context():
            db.session.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            db.session.commit()
        assert post("third, after the connection was dropped") == 200
        with app.app_context():
            bodies = db.session.scalars(
                select(SmsMessage.body)
                .where(SmsMessage.from_number == number, SmsMessage.direction == "in")
                .order_by(SmsMessage.id)
            ).all()
        assert bodies == ["first", "second", "third, after the connection was dropped"]
    finally:
        with app.app_context():
            purge_numbers(number)
