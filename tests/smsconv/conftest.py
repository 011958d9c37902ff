"""A phone for conversation tests: texts go to /sms/inbound as signed Twilio webhooks
(the real RequestValidator), and what came back is read from the outbox."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Person, SmsMessage
from mutualaid.models.messages import OUTBOUND
from tests.factories import make_person, unique_phone
from tests.fakes.twilio_emulator import send_inbound
from tests.pod_scene import offset
from tests.sms import conftest as sms_fixtures

INBOUND_URL = "http://localhost/sms/inbound"
# The transport's fixtures: the loopback emulator and the real twilio gateway pointed at it.
emulator = sms_fixtures.emulator
twilio_gateway = sms_fixtures.twilio_gateway
ZIP_11211 = (40.7095, -73.9563)  # the offline postal table's point for 11211


class Phone:
    """One handset. ``text(body)`` returns the bodies of the texts sent to this number
    since the previous call (replies, invitations, relays), oldest first: what the Twilio
    emulator received from the real twilio client, checked against the outbox rows."""

    def __init__(self, client, emu, number: str | None = None):
        self.client = client
        self.emulator = emu
        self.number = number or unique_phone()
        self.seen = 0
        self.delivered = 0

    def text(self, body: str) -> list[str]:
        response = send_inbound(self.client, INBOUND_URL, self.number, body)
        assert response.status_code == 200, response.status_code
        return self.inbox()

    def inbox(self) -> list[str]:
        db.session.expire_all()
        rows = db.session.scalars(
            select(SmsMessage)
            .where(SmsMessage.direction == OUTBOUND, SmsMessage.to_number == self.number)
            .where(SmsMessage.id > self.seen)
            .order_by(SmsMessage.id)
        ).all()
        if rows:
            self.seen = rows[-1].id
        queued = [r.body for r in rows if r.status != "cancelled"]
        received = [m.body for m in self.emulator.sent_to(self.number)][self.delivered :]
        self.delivered += len(received)
        # Sent through the real client, replies ahead of notices (so compare as sets).
        assert sorted(received) == sorted(queued), (received, queued)
        return received

    @property
    def person(self) -> Person:
        db.session.expire_all()
        return db.session.scalar(select(Person).where(Person.phone == self.number))


@pytest.fixture
def phone(client, emulator, twilio_gateway):
    """Make phones: ``phone()`` or ``phone("+12125550123")``. The app sends through the real
    twilio client to the loopback emulator for the test."""
    return lambda number=None: Phone(client, emulator, number)


def code_in(text: str) -> str:
    m = re.search(r"\b([ACEFGHJKMNPRTWXY34679]{3,4})\b", text.split(":", 1)[-1])
    assert m, text
    return m.group(1)


def sms_helper(name: str, *, km: float = 0.5, categories=("groceries",), **kw) -> Person:
    """A helper who gets texts (SMS only), with an offer ``km`` north of ZIP 11211."""
    from tests.factories import make_offer

    person = make_person(
        name=name, email=None, password=None, phone=unique_phone(), sms_preference="only", **kw
    )
    person.sms_consent = "opted_in"
    lat = ZIP_11211[0] + km / 111.2
    make_offer(person, at=(lat, ZIP_11211[1]), categories=list(categories), radius_km=5.0)
    return person


def web_helper(name: str, *, km: float = 0.3, categories=("groceries",), **kw) -> Person:
    from tests.factories import make_offer

    person = make_person(name=name, **kw)
    lat = ZIP_11211[0] + km / 111.2
    make_offer(person, at=(lat, ZIP_11211[1]), categories=list(categories), radius_km=5.0)
    return person


def all_outbound_bodies() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(SmsMessage.body).where(SmsMessage.direction == OUTBOUND)))


def assert_no_number_leaks(*numbers: str) -> None:
    """No outbound text contains any of these numbers (nor their last 7 digits)."""
    bodies = all_outbound_bodies()
    for number in numbers:
        digits = re.sub(r"\D", "", number)
        for body in bodies:
            flat = re.sub(r"\D", "", body)
            assert digits[-7:] not in flat, (number, body)


__all__ = ["offset"]
