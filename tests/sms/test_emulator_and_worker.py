"""The harness speaks Twilio's protocol to the real client, and the worker path (Huey
task carrying an id, periodic sweep) sends what the outbox holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from mutualaid.extensions import db
from mutualaid.models import SmsMessage
from mutualaid.sms.gateway import TwilioGateway
from mutualaid.sms.outbox import queue_sms
from tests.factories import unique_phone
from tests.fakes.twilio_emulator import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER
from tests.sms.conftest import purge_numbers


def _client(emulator, token=AUTH_TOKEN) -> Client:
    client = Client(ACCOUNT_SID, token, environment={})
    client.api.base_url = emulator.url
    return client


def test_emulator_create_fetch_and_list_with_the_real_client(emulator):
    client = _client(emulator)
    to = unique_phone()
    created = client.messages.create(to=to, from_=FROM_NUMBER, body="hello")
    assert created.sid.startswith("SM") and len(created.sid) == 34
    assert created.status == "queued" and created.to == to
    assert client.messages(created.sid).fetch().body == "hello"
    client.messages.create(to=unique_phone(), from_=FROM_NUMBER, body="other")
    assert [m.sid for m in client.messages.list(to=to)] == [created.sid]
    assert len(client.messages.list(from_=FROM_NUMBER)) == 2
    # DateSent filters: unsent (queued) messages have no date_sent yet.
    yesterday = datetime.now(UTC) - timedelta(days=1)
    assert client.messages.list(to=to, date_sent_after=yesterday) == []


def test_emulator_checks_credentials_and_scripts_errors(emulator):
    with pytest.raises(TwilioRestException) as bad_auth:
        _client(emulator, token="wrong").messages.create(
            to="+12125550100", from_=FROM_NUMBER, body="x"
        )
    assert bad_auth.value.status == 401
    emulator.fail_next("21211")
    with pytest.raises(TwilioRestException) as invalid:
        _client(emulator).messages.create(to="+1", from_=FROM_NUMBER, body="x")
    assert invalid.value.status == 400 and invalid.value.code == 21211


def test_messaging_service_sender(emulator):
    gateway = TwilioGateway(
        ACCOUNT_SID,
        AUTH_TOKEN,
        messaging_service_sid="MG" + "1" * 32,
        api_url=emulator.url,
        timeout=1,
    )
    to = unique_phone()
    result = gateway.send(to, "via service")
    (stored,) = emulator.sent_to(to)
    assert stored.sid == result.sid and stored.messaging_service_sid == "MG" + "1" * 32


@pytest.mark.committed
def test_worker_task_carries_the_id_and_the_sweep_sends_what_tasks_lost(app, monkeypatch):
    from mutualaid import jobs
    from mutualaid.queue import huey

    number = unique_phone()
    huey.immediate = False
    huey.storage.flush_queue()
    try:
        with app.app_context():
            message = queue_sms(db.session, number, "through the worker", kind="notice")
            db.session.commit()
            message_id = message.id
            assert db.session.get(SmsMessage, message_id).status == "queued"
        task = huey.dequeue()
        assert task.name.endswith("send_sms") and task.args == (message_id,)
        jobs.bind_worker_app(app)
        huey.execute(task)  # as the consumer would, outside any app context
        with app.app_context():
            db.session.expire_all()
            assert db.session.get(SmsMessage, message_id).status == "sent"
            # A task lost in transit: the periodic sweep sends the row anyway.
            lost = queue_sms(db.session, number, "lost task", kind="notice")
            db.session.commit()
            lost_id = lost.id
        huey.storage.flush_queue()
        assert huey.execute(jobs.sweep_sms.s()) == 1
        with app.app_context():
            assert (
                db.session.scalar(select(SmsMessage.status).where(SmsMessage.id == lost_id))
                == "sent"
            )
    finally:
        huey.storage.flush_queue()
        huey.immediate = True
        with app.app_context():
            purge_numbers(number)
