"""End to end over real sockets: the app under a live werkzeug server with
SMS_BACKEND=twilio, the real twilio client talking to the loopback emulator, signed
inbound webhooks and signed status callbacks flowing back."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Person, SmsMessage, SmsStatusEvent
from mutualaid.models.people import CONSENT_OPTED_OUT
from mutualaid.sms.outbox import queue_sms
from tests.factories import unique_phone
from tests.fakes.live_twilio import live_twilio_app
from tests.fakes.twilio_emulator import (
    inbound_params,
    post_form,
)
from tests.sms.conftest import purge_numbers

pytestmark = pytest.mark.committed


@pytest.fixture
def live(app, database_url) -> Iterator[tuple]:
    with live_twilio_app(database_url) as running:
        yield running


def test_texts_in_and_out_through_the_real_twilio_client(live):
    live_app, base, emu = live
    number = unique_phone()
    try:
        # 1. A new neighbor texts HELP: signed webhook over a real socket.
        status, body = post_form(f"{base}/sms/inbound", inbound_params(number, "help"))
        assert status == 200 and "<Response" in body
        (sent,) = emu.sent_to(number)
        assert "STOP" in sent.body and sent.status_callback == f"{base}/sms/status"
        emu.wait_callbacks()
        assert [code for _sid, _status, code in emu.callback_results] == [204, 204]
        with live_app.app_context():
            reply = db.session.scalar(
                select(SmsMessage).where(
                    SmsMessage.direction == "out", SmsMessage.to_number == number
                )
            )
            assert reply.provider_sid == sent.sid
            assert reply.status == "delivered" and reply.provider_status == "delivered"
            events = db.session.scalars(
                select(SmsStatusEvent.status).where(SmsStatusEvent.message_id == reply.id)
            ).all()
            assert sorted(events) == ["delivered", "sent"]
            # 2. A notice queued by the domain goes out after commit.
            person = db.session.scalar(select(Person).where(Person.phone == number))
            notice = queue_sms(db.session, person, "Your pod A7K is ready", kind="notice")
            db.session.commit()
            assert db.session.get(SmsMessage, notice.id).status == "sent"
        assert len(emu.sent_to(number)) == 2

        # 3. STOP: recorded, and nothing more is sent to the number.
        emu.wait_callbacks()  # (SQLite: this thread writes next; let the callbacks land)
        status, _ = post_form(f"{base}/sms/inbound", inbound_params(number, "STOP"))
        assert status == 200
        with live_app.app_context():
            person = db.session.scalar(select(Person).where(Person.phone == number))
            assert person.sms_consent == CONSENT_OPTED_OUT
            blocked = queue_sms(db.session, person, "one more?", kind="notice")
            db.session.commit()
            assert blocked.status == "cancelled"
        assert len(emu.sent_to(number)) == 2

        # 4. A forged webhook is refused over the wire too.
        status, _ = post_form(
            f"{base}/sms/inbound", inbound_params(number, "START"), token="wrong-token"
        )
        assert status == 403
    finally:
        emu.wait_callbacks()
        with live_app.app_context():
            purge_numbers(number)
