"""Concurrency with real commits and real connections: twin webhooks at the same moment,
and several workers racing for one outbox row. Threads are put in order with barriers,
conditions and events (and, for "waits for the number's lock", PostgreSQL's own pg_locks),
never with sleeps, so the races are the same on a loaded machine."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select, text

from mutualaid.extensions import db
from mutualaid.models import Person, SmsMessage
from mutualaid.sms.dispatcher import dispatch_message
from mutualaid.sms.gateway import ConsoleGateway, SendResult
from mutualaid.sms.outbox import queue_sms
from tests.factories import unique_phone
from tests.fakes.twilio_emulator import inbound_params, sign
from tests.sms.conftest import INBOUND_URL, purge_numbers

pytestmark = [
    pytest.mark.committed,
    pytest.mark.postgres_only,
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


class HoldingGateway(ConsoleGateway):
    """Counts what it sends, and holds each send (so the row's claim) until every other
    worker has either finished trying all rows or is itself sending: the claim is held
    while the others try, however the threads are scheduled."""

    def __init__(self, workers: int) -> None:
        super().__init__()
        self.workers = workers
        self.sent: list[str] = []
        self.held_while_others_tried: list[bool] = []
        self._changed = threading.Condition()
        self._sending = 0
        self._done = 0

    def worker_done(self) -> None:
        with self._changed:
            self._done += 1
            self._changed.notify_all()

    def send(self, to, body, status_callback=None) -> SendResult:
        with self._changed:
            self._sending += 1
            self._changed.notify_all()
            held = self._changed.wait_for(
                lambda: self._sending + self._done == self.workers, timeout=30
            )
            self.sent.append(body)
            self.held_while_others_tried.append(held)
            self._sending -= 1
        return super().send(to, body, status_callback)


def test_several_workers_never_send_the_same_row_twice(app, monkeypatch):
    number = unique_phone()
    gateway = HoldingGateway(workers=6)
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
            try:
                with app.app_context():
                    return [dispatch_message(m, gateway=gateway) for m in ids]
            finally:
                gateway.worker_done()

        results = _together(6, work)
        assert sorted(gateway.sent) == ["race 0", "race 1", "race 2"]
        # Every send waited for all six workers to try: the race really happened.
        assert gateway.held_while_others_tried == [True] * 3
        assert sorted(s for r in results for s in r or [] if s is not None) == ["sent"] * 3
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


def _lock_waiters() -> int:
    """Sessions of this database waiting for an advisory lock (the number's lock)."""
    with db.engine.connect() as conn:
        return conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        )


def test_worker_threads_apply_one_numbers_texts_once_and_in_order(app):
    from benchmarks.reliability.harness import wait_until
    from mutualaid.sms import apply
    from mutualaid.sms.intake import process_stored

    number = unique_phone()
    calls: list[str] = []
    holding = threading.Event()
    others_waited: list[bool] = []

    def holding_handler(session, person, message):
        calls.append(message.body)
        if len(calls) == 1:
            # Hold the number (its lock lives as long as this transaction) until the three
            # other tasks are all waiting for it in PostgreSQL.
            holding.set()
            try:
                wait_until(lambda: _lock_waiters() == 3, 30, "the other tasks never waited")
                others_waited.append(True)
            except TimeoutError:
                others_waited.append(False)
        return f"Got: {message.body}"

    first, second = _store(app, number, ["NEED a ride to the clinic", "tuesday at 9"])
    applied: dict[str, bool] = {}

    def task(name: str, message_id: int) -> None:
        with app.app_context():
            applied[name] = process_stored(message_id)

    previous = apply.handle_text  # the conversation layer
    apply.handle_text = holding_handler
    try:
        # The second text's task starts first and holds the number; then that task again
        # (redelivered) and the first text's task, twice, arrive on three more threads.
        threads = [threading.Thread(target=task, args=("second", second))]
        threads[0].start()
        assert holding.wait(timeout=30), "the first task never reached the handler"
        for name, message_id in (
            ("second again", second),
            ("first", first),
            ("first again", first),
        ):
            threads.append(threading.Thread(target=task, args=(name, message_id)))
            threads[-1].start()
        for t in threads:
            t.join(timeout=60)
        assert not any(t.is_alive() for t in threads), "a worker thread is stuck"
        assert calls == ["NEED a ride to the clinic", "tuesday at 9"]  # once each, in order
        with app.app_context():
            replies = db.session.scalars(
                select(SmsMessage.body)
                .where(SmsMessage.direction == "out", SmsMessage.to_number == number)
                .order_by(SmsMessage.id)
            ).all()
            assert replies == ["Got: NEED a ride to the clinic", "Got: tuesday at 9"]
        assert sorted(applied) == ["first", "first again", "second", "second again"]
        assert sum(applied.values()) == 1  # one task applied the second text; no text twice
        assert not applied["first"] and not applied["first again"]  # already applied for them
        # The race really happened: the three other tasks waited for the held number.
        assert others_waited == [True]
    finally:
        apply.handle_text = previous
        with app.app_context():
            purge_numbers(number)


def test_the_webhook_survives_a_dropped_database_connection(app):
    """The webhook's INSERT runs without pre-ping: a connection the database dropped (a
    restart, an idle timeout) fails once, and the text is stored on a fresh connection."""
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
