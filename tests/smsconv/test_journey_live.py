"""Journey 1 over real sockets: Maria's groceries by text alone. The app runs under a live
werkzeug server with SMS_BACKEND=twilio; every text to the app is a signed webhook POSTed
over HTTP, and every text from the app goes through the real twilio client to the loopback
emulator, whose signed status callbacks come back."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, select

from mutualaid.extensions import db
from mutualaid.models import Need, Person, Pod, SmsMessage
from mutualaid.models.messages import Conversation
from mutualaid.models.needs import STATUS_RESOLVED
from mutualaid.pods.seating import accept
from tests.cleanup import purge_people
from tests.factories import make_offer, make_person, unique_phone
from tests.fakes.live_twilio import live_twilio_app
from tests.fakes.twilio_emulator import (
    TwilioEmulator,
    inbound_params,
    post_form,
)
from tests.sms.conftest import purge_numbers
from tests.smsconv.conftest import ZIP_11211, code_in

pytestmark = pytest.mark.committed


@pytest.fixture
def live(app, database_url) -> Iterator[tuple]:
    with live_twilio_app(database_url) as running:
        yield running


class LivePhone:
    def __init__(self, base: str, emu: TwilioEmulator, number: str):
        self.base, self.emu, self.number, self.seen = base, emu, number, 0

    def text(self, body: str) -> list[str]:
        self.emu.wait_callbacks()  # SQLite: one writer; let status callbacks land first
        status, _ = post_form(f"{self.base}/sms/inbound", inbound_params(self.number, body))
        assert status == 200
        return self.inbox()

    def inbox(self) -> list[str]:
        got = self.emu.sent_to(self.number)
        new, self.seen = got[self.seen :], len(got)
        return [m.body for m in new]


def test_journey_1_by_text_alone_over_the_real_twilio_client(live):
    live_app, base, emu = live
    maria_n, sam_n = unique_phone(), unique_phone()
    with live_app.app_context():
        jo = make_person(name="Jo Park", email=f"jo.{maria_n[-6:]}@example.org")
        sam = make_person(
            name="Sam Rivera", email=None, password=None, phone=sam_n, sms_preference="only"
        )
        sam.sms_consent = "opted_in"
        for helper, km in ((jo, 0.3), (sam, 0.6)):
            make_offer(helper, at=(ZIP_11211[0] + km / 111.2, ZIP_11211[1]), radius_km=5.0)
        db.session.commit()
        jo_id, sam_id = jo.id, sam.id
    maria, sam_phone = LivePhone(base, emu, maria_n), LivePhone(base, emu, sam_n)
    people = [jo_id, sam_id]
    try:
        assert maria.text("NAME Maria")[0].startswith("Thanks, Maria!")
        (got,) = maria.text("NEED groceries 11211 milk, bread, rice, 2 people")
        code = code_in(got)
        assert "Looking for 2 neighbors near you" in got
        (invite,) = sam_phone.inbox()
        assert f"Reply YES {code} or NO {code}" in invite

        with live_app.app_context():  # Jo accepts on the web (the web route does this)
            need = db.session.scalar(select(Need).where(Need.code == code))
            people.append(need.requester_id)
            pod = db.session.scalar(select(Pod).where(Pod.need_id == need.id))
            assert accept(db.session, pod, db.session.get(Person, jo_id)).seated
            db.session.commit()
        texts = sam_phone.text("YES in 20 min")
        assert any(t.startswith(f"Got it: you're in {code}") for t in texts)
        assert any("Jo and Sam are coming" in t for t in maria.inbox())

        assert maria.text("Thank you! Buzz 3B") == []
        assert sam_phone.inbox() == [f"[{code}] Maria: Thank you! Buzz 3B"]
        assert sam_phone.text(f"DONE {code}")[0].startswith("Thanks! We asked Maria")
        assert f"Reply DONE {code} to confirm" in maria.inbox()[0]
        thanks = maria.text("DONE")
        assert thanks == [f"mutualaid: {code} is done. Thank you for helping each other!"]
        assert sam_phone.inbox() == thanks
        with live_app.app_context():
            assert db.session.scalar(select(Need.status).where(Need.code == code)) == (
                STATUS_RESOLVED
            )
            # Every text went out and its delivery receipt came back (on a loaded machine
            # the last receipts may take a few seconds).
            deadline = time.monotonic() + 30
            while True:
                emu.wait_callbacks()
                out = [
                    (m.body, m.status, m.provider_sid)
                    for m in db.session.scalars(
                        select(SmsMessage).where(
                            SmsMessage.direction == "out", SmsMessage.person_id.in_(people)
                        )
                    )
                ]
                # End the read at once: on SQLite every transaction holds the write lock
                # (BEGIN IMMEDIATE), and the receipts are written by the app's threads.
                db.session.rollback()
                late = [m for m in out if not (m[2] and m[1] == "delivered")]
                if (out and not late) or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert out and not late, late
            for body, _status, _sid in out:  # nobody's number in any text
                digits = re.sub(r"\D", "", body)
                assert maria_n[-7:] not in digits and sam_n[-7:] not in digits
    finally:
        emu.wait_callbacks()
        with live_app.app_context():
            db.session.execute(delete(Conversation).where(Conversation.person_id.in_(people)))
            db.session.commit()
            purge_people(db.session, people)
            purge_numbers(maria_n, sam_n)
