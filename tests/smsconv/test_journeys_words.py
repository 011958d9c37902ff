"""PRODUCT.md's SMS journeys written the way people write (issue 18): no command words,
through signed webhooks and the worker; journey 6 is in test_natural_texts.py."""

from __future__ import annotations

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Need, Offer
from mutualaid.models.needs import STATUS_RESOLVED
from tests.smsconv.conftest import code_in, sms_helper


def test_journey_1_in_words_maria_gets_groceries(phone):
    sam_person = sms_helper("Sam Rivera", km=0.6)
    db.session.commit()
    maria, sam = phone(), phone(sam_person.phone)
    maria.text("me llamo Maria")
    maria.text("LANG EN")
    (posted,) = maria.text("hi, could someone get groceries for me? milk bread and rice, 11211")
    code = code_in(posted)
    assert posted.startswith(f"Got it: need {code}, Groceries near 11211.")
    assert "Reply FIX to change it" in posted
    (invite,) = sam.inbox()
    assert f"YES {code}" in invite
    texts = sam.text("sure, I can do it")
    assert any(t.startswith(f"Got it: you're in {code}") for t in texts)
    assert any("Sam is coming" in t or "Sam" in t for t in maria.inbox())
    assert maria.text("thank you!! buzz 3B") == []
    assert sam.inbox() == [f"[{code}] Maria: thank you!! buzz 3B"]
    (hint,) = sam.text("done, all delivered")  # chat, with a hint how to close it
    assert hint == f"Sent to your group. If you meant the command, reply DONE {code}."
    assert maria.inbox() == [f"[{code}] Sam: done, all delivered"]
    assert sam.text("done")[0].startswith(f"mutualaid: {code} is done.")
    db.session.expire_all()
    assert db.session.scalar(select(Need).where(Need.code == code)).status == STATUS_RESOLVED


def test_journey_2_in_words_an_offer_and_a_yes(phone):
    jo = phone()
    (where,) = jo.text("I have a car and free evenings, happy to drive neighbors")
    assert where.startswith("Where?")
    (offered,) = jo.text("11211 8 km")
    assert offered.startswith("Got it: you offer Transport within 8 km of 11211.")
    offer = db.session.scalar(select(Offer).where(Offer.helper_id == jo.person.id))
    assert offer.categories == ["transport"] and offer.radius_km == 8.0
    code = code_in(phone().text("can someone give me a ride to the clinic? 11211")[0])
    assert any(f"YES {code}" in t for t in jo.inbox())
    assert any(t.startswith(f"Got it: you're in {code}") for t in jo.text("yes i can do that"))
