"""Issue 16, finding 6: a number typed on a web account is not trusted until a code sent to
it comes back. Until then it gets no texts, and the person whose phone it really is, when
they text in, is themselves: the unproven claim is dropped and its holder told."""

from __future__ import annotations

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Notification, Person, SmsMessage
from mutualaid.models.messages import OUTBOUND
from mutualaid.models.people import SMS_PREF_NOTIFY
from mutualaid.notify import notify
from tests.factories import make_person, unique_phone


def test_a_typed_number_gets_no_texts_until_it_is_proven(app):
    number = unique_phone()
    account = make_person(name="Typed Number", phone=number, sms_preference=SMS_PREF_NOTIFY)
    notify(db.session, account, "test", lambda: "on the web", lambda: "by text")
    db.session.flush()
    texts = db.session.scalars(
        select(SmsMessage).where(SmsMessage.direction == OUTBOUND, SmsMessage.to_number == number)
    ).all()
    assert texts == []
    account.phone_verified_at = account.created_at  # the code came back
    notify(db.session, account, "test", lambda: "on the web", lambda: "by text")
    db.session.flush()
    texts = db.session.scalars(
        select(SmsMessage.body).where(
            SmsMessage.direction == OUTBOUND, SmsMessage.to_number == number
        )
    ).all()
    assert texts == ["by text"]


def test_the_phones_owner_texting_in_wins_over_an_unproven_claim(phone):
    owner = phone()
    squatter = make_person(name="Sam Squatter", phone=owner.number)
    db.session.commit()
    replies = owner.text("NEED groceries 11211")
    assert any("Got it: need" in r for r in replies), replies
    db.session.expire_all()
    texter = owner.person
    assert texter.id != squatter.id and texter.password_hash is None
    held = db.session.get(Person, squatter.id)
    assert held.phone is None
    told = db.session.scalars(
        select(Notification.text).where(Notification.person_id == squatter.id)
    ).all()
    assert any(owner.number[-4:] in text and "removed the number" in text for text in told), told


def test_a_proven_number_stays_with_its_account(phone):
    owner = phone()
    account = make_person(name="Ada Proven", phone=owner.number)
    account.phone_verified_at = account.created_at
    db.session.commit()
    owner.text("STATUS")
    db.session.expire_all()
    assert owner.person.id == account.id
