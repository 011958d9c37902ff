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
