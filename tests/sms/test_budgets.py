"""Abuse budgets (issue 16, findings 7 and 8): SMS pumping senders get no reply and no person,
texts go only to allowed countries and within a global daily budget, transactional texts go
ahead of a backlog of replies, and one requester cannot use up a helper's daily cap."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import Need, Person, SmsMessage, utcnow
from mutualaid.models.people import SMS_PREF_ONLY
from mutualaid.sms import compliance
from mutualaid.sms.dispatcher import dispatch_due
from mutualaid.sms.identity import VerificationError, start_verification
from mutualaid.sms.outbox import URGENT_NOTICE_PRIORITY, queue_sms
from mutualaid.sms.sending import claim_batch
from tests.factories import make_need, make_offer, make_person, make_texter, unique_phone
from tests.fakes.twilio_emulator import send_inbound
from tests.sms.conftest import INBOUND_URL

UK_MOBILE = "+447400123456"  # a valid GB mobile number


def _outbound_to(number: str) -> list[SmsMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(SmsMessage)
            .where(SmsMessage.direction == "out", SmsMessage.to_number == number)
            .order_by(SmsMessage.id)
        )
    )


def _inbound_from(number: str) -> list[SmsMessage]:
    return list(
        db.session.scalars(
            select(SmsMessage).where(SmsMessage.direction == "in", SmsMessage.from_number == number)
        )
    )


def _people_with(number: str) -> int:
    return db.session.scalar(select(func.count(Person.id)).where(Person.phone == number))


def _texts_in_last_day() -> int:
    """Texts to anyone queued or sent in the last 24 h (what the global cap counts)."""
    since = utcnow() - timedelta(hours=24)
    return db.session.scalar(
        select(func.count(SmsMessage.id)).where(
            SmsMessage.direction == "out",
            SmsMessage.created_at >= since,
            SmsMessage.status != "cancelled",
        )
    )


def _no_dispatch(monkeypatch) -> None:
    """The send tasks are lost: rows wait in the outbox (a backlog)."""
    monkeypatch.setattr("mutualaid.sms.dispatcher.enqueue_dispatch", lambda ids, bind=None: None)


# --- finding 7a: senders we never answer ------------------------------------------------


@pytest.mark.parametrize(
    ("sender", "stored_as"),
    [
        ("12345", "12345"),  # a short code
        ("ACME-BANK", "ACME-BANK"),  # an alphanumeric sender
        ("212PUMPING", "212PUMPING"),  # letters are not keypad digits (+1 212 786 7464)
        ("+15550109999", "+15550109999"),  # not a valid number (no 555 area code)
    ],
)
def test_a_sender_that_is_not_a_phone_number_gets_no_reply_and_no_person(client, sender, stored_as):
    for body in ("NEED groceries 11211", "HELP", "hello"):
        assert send_inbound(client, INBOUND_URL, sender, body).status_code == 200
    texts = _inbound_from(stored_as)
    assert len(texts) == 3  # nothing lost: the coordinators see every text
    assert all(t.processed_at is not None and t.handled_at is None for t in texts)
    assert all(t.person_id is None for t in texts)
    assert _people_with(stored_as) == 0
    assert _outbound_to(stored_as) == []
    assert db.session.scalar(select(func.count(SmsMessage.id)).where(
        SmsMessage.direction == "out", SmsMessage.to_number == "+12127867464"
    )) == 0  # fmt: skip


def test_a_valid_number_still_becomes_a_texter_and_gets_a_reply(client):
    number = unique_phone()
    send_inbound(client, INBOUND_URL, number, "hello")
    assert _people_with(number) == 1
    assert [m.status for m in _outbound_to(number)] == ["sent"]


# --- finding 7b: the country allow-list ------------------------------------------------


def test_an_unknown_number_from_a_country_not_allowed_gets_nothing(client, settings_override):
    settings_override(sms_allowed_countries=("US",))
    send_inbound(client, INBOUND_URL, UK_MOBILE, "NEED groceries 11211")
    (text,) = _inbound_from(UK_MOBILE)
    assert text.processed_at is not None and text.person_id is None
    assert _people_with(UK_MOBILE) == 0
    assert _outbound_to(UK_MOBILE) == []


def test_the_same_number_is_answered_when_its_country_is_allowed(client, settings_override):
    settings_override(sms_allowed_countries=("US", "GB"))
    send_inbound(client, INBOUND_URL, UK_MOBILE, "hello")
    assert _people_with(UK_MOBILE) == 1
    assert [m.status for m in _outbound_to(UK_MOBILE)] == ["sent"]


def test_a_text_to_a_country_not_allowed_is_cancelled_with_the_reason(app, settings_override):
    settings_override(sms_allowed_countries=("US",))
    person = make_person(phone=UK_MOBILE)  # an account from before the allow-list
    message = queue_sms(db.session, person, "Your pod is ready.", kind="notice")
    assert message.status == "cancelled"
    assert message.error_message == "country GB not in SMS_ALLOWED_COUNTRIES"
    us = queue_sms(db.session, make_texter(), "Your pod is ready.", kind="notice")
    assert us.status == "queued"
    # "*" allows every country.
    settings_override(sms_allowed_countries=("*",))
    assert queue_sms(db.session, person, "again", kind="notice").status == "queued"


def test_no_verification_code_to_a_country_not_allowed(app, settings_override):
    settings_override(sms_allowed_countries=("US",))
    with pytest.raises(VerificationError, match="country"):
        start_verification(db.session, make_person(), UK_MOBILE)
    assert _outbound_to(UK_MOBILE) == []


# --- finding 7c: the global daily budget -----------------------------------------------


def test_the_global_daily_cap_cancels_the_next_text(app, settings_override, monkeypatch):
    _no_dispatch(monkeypatch)
    already = _texts_in_last_day()
    settings_override(sms_global_daily_cap=already + 2, sms_daily_cap=50)
    known = make_person(phone=unique_phone())  # replies to known people count too
    first = queue_sms(db.session, make_texter(), "notice", kind="notice")
    second = queue_sms(db.session, known, "answer", kind="reply")
    third = queue_sms(db.session, make_texter(), "notice", kind="notice")
    assert (first.status, second.status, third.status) == ("queued", "queued", "cancelled")
    assert third.error_message == "global daily cap reached"
    # Verification codes count and are capped too.
    start_verification(db.session, make_person(), unique_phone())
    code = db.session.scalar(
        select(SmsMessage).where(SmsMessage.kind == "verification").order_by(SmsMessage.id.desc())
    )
    assert code.status == "cancelled" and code.error_message == "global daily cap reached"
    # Cancelled rows do not count; 0 is no cap.
    assert _texts_in_last_day() == already + 2
    assert compliance.sent_everywhere_in_last_day(db.session, already + 2) == already + 2
    settings_override(sms_global_daily_cap=0)
    assert queue_sms(db.session, make_texter(), "notice", kind="notice").status == "queued"


# --- finding 8a: transactional texts first -----------------------------------------------


def test_a_verification_code_queued_after_45_replies_is_sent_first(
    app, twilio_gateway, emulator, settings_override, monkeypatch
):
    settings_override(sms_rate_per_second=0)
    _no_dispatch(monkeypatch)
    texters = [make_person(phone=unique_phone()) for _ in range(45)]
    for person in texters:
        queue_sms(db.session, person, "answer to your text", kind="reply")
    helper = make_texter()
    invitation = queue_sms(
        db.session, helper, "can you help?", kind="invitation", priority=URGENT_NOTICE_PRIORITY
    )
    account, phone = make_person(), unique_phone()
    start_verification(db.session, account, phone)
    db.session.commit()
    monkeypatch.undo()
    # The worker's first claim takes the code, then the invitation, then the replies.
    first = claim_batch(db.session, limit=2)
    db.session.rollback()
    assert [c.to_number for c in first] == [phone, helper.phone]
    assert dispatch_due(bind=db.session.get_bind()) >= 47
    order = [m.to for m in emulator.messages.values()]
    assert order[:2] == [phone, helper.phone]
    assert order.index(phone) < min(order.index(p.phone) for p in texters)
    assert _outbound_to(invitation.to_number)[0].status == "sent"


def test_verification_codes_are_exempt_from_the_daily_cap(app, settings_override):
    settings_override(sms_daily_cap=2)
    phone = unique_phone()
    person = make_texter(phone=phone)
    notices = [queue_sms(db.session, person, f"n{i}", kind="notice") for i in range(3)]
    assert [n.status for n in notices] == ["queued", "queued", "cancelled"]
    start_verification(db.session, make_person(), phone)
    (code,) = [m for m in _outbound_to(phone) if m.kind == "verification"]
    assert code.status == "queued"


# --- finding 8b: one requester cannot use up a helper's daily cap ----------------------


def _invitations_to(helper: Person) -> list[SmsMessage]:
    return [m for m in _outbound_to(helper.phone) if m.kind == "invitation"]


def test_23_needs_from_one_requester_do_not_exhaust_a_helpers_cap(app, settings_override):
    settings_override(sms_daily_cap=20, sms_requester_invite_cap=3)
    helper = make_texter(sms_preference=SMS_PREF_ONLY, name="Hal")
    make_offer(helper, capacity=5, radius_km=5.0)
    requester, other = make_person(), make_person()
    for _ in range(23):
        make_need(requester)
    invitations = _invitations_to(helper)
    assert len(invitations) == 23
    statuses = [m.status for m in invitations]
    assert statuses[:3] == ["queued"] * 3 and statuses[3:] == ["cancelled"] * 20
    assert invitations[3].error_message == "invitation budget per requester reached"
    # An invitation for another neighbor's need still goes out.
    make_need(other)
    latest = _invitations_to(helper)[-1]
    assert latest.status == "queued"
    assert db.session.get(Need, latest.need_id).requester_id == other.id
