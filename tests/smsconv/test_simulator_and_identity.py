"""The simulator goes through the signed webhook and the outbox; phone verification links
a number to an account (rate-limited) and merges a phone-only record."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Need, Person, SmsMessage
from mutualaid.models.people import PhoneVerification
from mutualaid.sms.identity import VerificationError, confirm_code, start_verification
from tests.conftest import text_of
from tests.factories import make_person, make_texter, unique_phone


def test_simulator_sends_through_the_signed_webhook_and_shows_replies(neighbor_client):
    number = unique_phone()
    response = neighbor_client.submit(
        f"/simulator/?number={number}", {"number": number, "body": "NEED groceries 11211"}
    )
    assert response.status_code == 302
    page = text_of(neighbor_client.get(response.headers["Location"]))
    assert "NEED groceries 11211" in page and "Got it: need" in page
    inbound = db.session.scalar(select(SmsMessage).where(SmsMessage.from_number == number))
    assert inbound.provider_sid.startswith("SM") and inbound.handled_at is not None
    reply = db.session.scalar(
        select(SmsMessage).where(SmsMessage.to_number == number, SmsMessage.kind == "reply")
    )
    assert reply.body in page


def test_simulator_says_when_the_worker_has_not_answered_yet(neighbor_client, monkeypatch):
    from mutualaid.web.simulator import routes

    lost: list[int] = []  # the worker is not running: tasks wait in the queue
    monkeypatch.setattr("mutualaid.web.sms_hooks.routes.enqueue_inbound", lost.append)
    waited = routes.wait_until_applied
    monkeypatch.setattr(routes, "wait_until_applied", lambda sid: waited(sid, seconds=0.1))
    number = unique_phone()
    response = neighbor_client.submit(
        f"/simulator/?number={number}", {"number": number, "body": "NEED groceries 11211"}
    )
    page = text_of(neighbor_client.get(response.headers["Location"]))
    assert "NEED groceries 11211" in page and "Got it: need" not in page
    assert "has not answered the last text yet" in page
    assert len(lost) == 1


def test_simulator_is_for_admins_in_production(app, neighbor_client, admin_client):
    original = app.config["MUTUALAID"]
    app.config["MUTUALAID"] = dataclasses.replace(original, env="production")
    try:
        assert neighbor_client.get("/simulator/").status_code == 403
        assert admin_client.get("/simulator/").status_code == 200
    finally:
        app.config["MUTUALAID"] = original


def test_phone_verification_links_the_number(neighbor, neighbor_client):
    number = unique_phone()
    response = neighbor_client.submit("/account/phone", {"send-phone": number, "send-send": "1"})
    assert response.status_code == 302
    text = db.session.scalar(select(SmsMessage.body).where(SmsMessage.to_number == number))
    code = text.split("code is ")[1][:6]
    wrong = "000000" if code != "000000" else "111111"
    response = neighbor_client.submit("/account/phone", {"code-code": wrong, "code-confirm": "1"})
    assert response.status_code == 400 and "That code is not right" in text_of(response)
    response = neighbor_client.submit("/account/phone", {"code-code": code, "code-confirm": "1"})
    assert response.status_code == 302
    db.session.refresh(neighbor)
    assert neighbor.phone == number and neighbor.phone_verified_at is not None


def test_verification_is_rate_limited_and_refuses_another_accounts_number(neighbor, helper):
    number = unique_phone()
    for _ in range(3):
        start_verification(db.session, neighbor, number)
    try:
        start_verification(db.session, neighbor, number)
    except VerificationError as exc:
        assert "Too many codes" in str(exc)
    else:
        raise AssertionError("a fourth code in an hour was sent")
    helper.phone = unique_phone()
    db.session.flush()
    try:
        start_verification(db.session, neighbor, helper.phone)
    except VerificationError as exc:
        assert "already linked to another account" in str(exc)
    else:
        raise AssertionError("another account's number was accepted")


def test_confirming_merges_a_phone_only_person(app):
    texter = make_texter(name="Maria")
    from mutualaid.geo.geocoding import Place
    from mutualaid.locations import found
    from mutualaid.need_records import NeedInput
    from mutualaid.needs import post_need
    from tests.smsconv.conftest import ZIP_11211

    need = post_need(
        db.session, texter, NeedInput(category="groceries"),
        found("11211", Place(*ZIP_11211, "11211", "postal")),
    )  # fmt: skip
    account = make_person(name="Maria Lopez")
    row = start_verification(db.session, account, texter.phone)
    body = db.session.scalar(
        select(SmsMessage.body).where(SmsMessage.idempotency_key == f"verify-{row.id}")
    )
    phone, texter_id = texter.phone, texter.id
    confirm_code(db.session, account, body.split("code is ")[1][:6])
    assert db.session.get(Person, texter_id) is None
    assert db.session.get(Need, need.id).requester_id == account.id
    assert account.phone == phone
    assert db.session.scalar(select(PhoneVerification.verified_at)) is not None


def test_texts_from_an_unverified_account_number_do_not_act_as_the_account(phone, app):
    """The texter is the phone's owner: the account's unproven claim on the number is
    dropped (issue 16), the texter is their own phone-only person, and nothing they text
    acts as the account."""
    number = unique_phone()
    account = make_person(name="Ray Web", phone=number)  # typed on the profile, not verified
    db.session.commit()
    ray = phone(number)
    replies = ray.text("NEED groceries 11211")
    assert any(r.startswith("Got it: need") for r in replies), replies
    assert db.session.scalar(select(Need).where(Need.requester_id == account.id)) is None
    db.session.expire_all()
    assert ray.person.id != account.id and db.session.get(Person, account.id).phone is None
