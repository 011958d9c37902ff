"""Fault found by the scale-out check (benchmarks/reliability/sms_journeys.py): a status
callback that commits between the worker's UPDATE of the sid and its look-up of early
callbacks is seen by neither transaction, and the text stayed "sent" although Twilio said
"delivered". The periodic sweep now applies such callbacks."""

from __future__ import annotations

from mutualaid.extensions import db
from mutualaid.models import SmsMessage, SmsStatusEvent
from mutualaid.sms.outbox import adopt_early_callbacks, queue_sms
from mutualaid.sms.sending import record_sent
from tests.factories import unique_phone


def test_a_callback_that_raced_the_worker_is_applied_by_the_sweep(app):
    message = queue_sms(db.session, unique_phone(), "race", kind="notice")
    message.status = "sending"
    db.session.flush()
    # The worker records the sid and finds no early callback (none committed yet)...
    record_sent(db.session, message.id, sid="SMrace0001", provider_status="queued", segments=1)
    assert message.status == "sent"
    # ...while the callback, which could not see the sid, was stored without a message.
    db.session.add(SmsStatusEvent(provider_sid="SMrace0001", status="delivered"))
    db.session.flush()
    assert adopt_early_callbacks(db.session) == 1
    db.session.refresh(message)
    assert message.status == "delivered"
    event = db.session.query(SmsStatusEvent).filter_by(provider_sid="SMrace0001").one()
    assert event.message_id == message.id
    assert adopt_early_callbacks(db.session) == 0  # applied once


def test_callbacks_for_sids_never_recorded_are_left_alone(app):
    db.session.add(SmsStatusEvent(provider_sid="SMnobody", status="delivered"))
    db.session.flush()
    assert adopt_early_callbacks(db.session) == 0
    assert db.session.query(SmsMessage).filter_by(provider_sid="SMnobody").count() == 0
