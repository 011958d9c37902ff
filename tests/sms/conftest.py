"""Fixtures for the SMS transport tests: the Twilio emulator, the real twilio gateway
pointed at it, and temporary settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from mutualaid.sms.gateway import TwilioGateway
from tests.fakes.twilio_emulator import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioEmulator

INBOUND_URL = "http://localhost/sms/inbound"
STATUS_URL = "http://localhost/sms/status"


@pytest.fixture
def emulator() -> Iterator[TwilioEmulator]:
    with TwilioEmulator(timeout_sleep=1.6) as emu:
        yield emu


@pytest.fixture
def settings_override(app):
    """Call with keyword settings (field names of Settings); restored after the test."""
    original = app.config["MUTUALAID"]

    def apply(**changes):
        app.config["MUTUALAID"] = dataclasses.replace(app.config["MUTUALAID"], **changes)
        return app.config["MUTUALAID"]

    yield apply
    app.config["MUTUALAID"] = original


@pytest.fixture
def twilio_gateway(app, emulator) -> Iterator[TwilioGateway]:
    """The app sends through the real twilio client to the emulator for this test."""
    gateway = TwilioGateway(
        ACCOUNT_SID, AUTH_TOKEN, from_number=FROM_NUMBER, api_url=emulator.url, timeout=1.0
    )
    previous = app.extensions.get("sms_gateway")
    app.extensions["sms_gateway"] = gateway
    yield gateway
    if previous is None:
        app.extensions.pop("sms_gateway", None)
    else:
        app.extensions["sms_gateway"] = previous


def purge_numbers(*numbers: str) -> None:
    """Delete what committed tests wrote for these numbers (texts, callbacks, people)."""
    from sqlalchemy import delete, or_, select

    from mutualaid.extensions import db
    from mutualaid.models import AuditEvent, Person, SmsMessage, SmsStatusEvent

    db.session.rollback()
    ids = select(SmsMessage.id).where(
        or_(SmsMessage.to_number.in_(numbers), SmsMessage.from_number.in_(numbers))
    )
    sids = select(SmsMessage.provider_sid).where(SmsMessage.id.in_(ids))
    db.session.execute(
        delete(SmsStatusEvent).where(
            or_(SmsStatusEvent.message_id.in_(ids), SmsStatusEvent.provider_sid.in_(sids))
        )
    )
    db.session.execute(delete(SmsMessage).where(SmsMessage.id.in_(ids)))
    people = select(Person.id).where(Person.phone.in_(numbers))
    db.session.execute(
        delete(AuditEvent).where(
            AuditEvent.target_type == "person", AuditEvent.target_id.in_(people)
        )
    )
    db.session.execute(delete(Person).where(Person.phone.in_(numbers)))
    db.session.commit()
