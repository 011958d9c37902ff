"""Issue 18: texts understood the way a person means them. Every example of the issue,
through signed /sms/inbound webhooks and the worker (``intake.process_stored``), with what
the person gets back read from the Twilio emulator."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Need, Offer, PodMessage, SmsMessage
from mutualaid.models.messages import INBOUND
from mutualaid.models.pods import ACCEPTED, INVITED, Membership, Pod
from mutualaid.workspace.inbox import inbox_page
from tests.factories import make_person
from tests.sms import conftest as sms_fixtures
from tests.smsconv.conftest import code_in, sms_helper

settings_override = sms_fixtures.settings_override


def _pod(code: str) -> Pod:
    db.session.expire_all()
    return db.session.scalar(select(Pod).where(Pod.code == code))


def _needs_of(phone) -> list[Need]:
    db.session.expire_all()
    return list(db.session.scalars(select(Need).where(Need.requester_id == phone.person.id)))


def _membership(pod: Pod, person_id: int) -> Membership:
    db.session.expire_all()
    return db.session.scalar(
        select(Membership).where(Membership.pod_id == pod.id, Membership.person_id == person_id)
    )


def _last_inbound(phone) -> SmsMessage:
    db.session.expire_all()
    return db.session.scalars(
        select(SmsMessage)
        .where(SmsMessage.direction == INBOUND, SmsMessage.from_number == phone.number)
        .order_by(SmsMessage.id.desc())
    ).first()


def _group(phone, helper_phone, category: str = "groceries") -> str:
    """A need by ``phone`` with ``helper_phone`` seated: returns the group's code."""
    code = code_in(phone.text(f"NEED {category} 11211")[0])
    helper_phone.inbox()
    helper_phone.text(f"YES {code}")
    phone.inbox()
    helper_phone.inbox()
    return code


# -- a new texter asking in words is understood and never silenced -------------------------


def test_a_request_in_words_is_understood_and_every_reply_is_sent(phone):
    rosa = phone()
    (ask,) = rosa.text("hi i need someone to pick up my meds tomorrow")
    assert ask.startswith("Got it: Medical, tomorrow. Where?"), ask
    # The unknown-number cap (3 a day) must not silence her: every text gets an answer.
    for text in ("yes", "Yes!", "si", "cant make it sorry"):
        (reply,) = rosa.text(text)
        assert "no open invitations" not in reply and "Where?" in reply, reply
    (posted,) = rosa.text("11211")
    code = code_in(posted)
    assert posted.startswith(f"Got it: need {code}, Medical near 11211, tomorrow.")
    assert "Reply FIX to change it" in posted
    (need,) = _needs_of(rosa)
    assert need.category == "medical" and need.urgency == "week"
    assert "pick up my meds" in need.details


@pytest.mark.parametrize(
    ("text", "understood"),
    [
        ("I NEED TO EAT NOW, I AM VERY HUNGRY", "Got it: Groceries, NOW."),
        ("can you send a tent to my address?", "Got it: Housing."),
        ("my house is destroyed", "Got it: Housing."),
    ],
)
def test_requests_in_words_ask_only_for_the_place(phone, text, understood):
    (ask,) = phone().text(text)
    assert ask.startswith(understood) and "Where?" in ask and "Reply 1 Groceries" not in ask


def test_a_named_place_that_is_not_found_is_asked_again_without_the_menu(phone):
    texter = phone()
    (ask,) = texter.text("in bizoton 53 we need water and food")
    assert "Where?" in ask and "Reply 1 Groceries" not in ask
    (posted,) = texter.text("11211")
    assert posted.startswith("Got it: need") and "Groceries near 11211" in posted


@pytest.mark.parametrize("answer", ["yes", "Yes!", "ok", "si", "gracias!", "no"])
def test_a_yes_or_thanks_to_where_is_asked_again_not_looked_up(phone, answer):
    texter = phone()
    (ask,) = texter.text("hi i need someone to pick up my meds tomorrow")
    assert "Where?" in ask
    (again,) = texter.text(answer)
    assert "a ZIP code" in again and "Got it: need" not in again, again
    assert _needs_of(texter) == []
    (posted,) = texter.text("11211")
    assert posted.startswith("Got it: need") and "Medical near 11211" in posted


def test_hungry_now_is_posted_as_urgent(phone):
    texter = phone()
    texter.text("I NEED TO EAT NOW, I AM VERY HUNGRY")
    texter.text("11211")
    (need,) = _needs_of(texter)
    assert need.category == "groceries" and need.urgency == "now"


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("I am a driver, a mechanic, I want to help", "transport"),
        ("we can donate clothing and food", "groceries"),
    ],
)
def test_offers_in_words_are_understood(phone, text, category):
    helper = phone()
    (ask,) = helper.text(text)
    assert ask.startswith("Where?"), ask
    (got,) = helper.text("11211")
    assert got.startswith("Got it: you offer")
    offer = db.session.scalar(select(Offer).where(Offer.helper_id == helper.person.id))
    assert category in offer.categories


@pytest.mark.parametrize(
    "text", ["yes, I need help, food, water and shelter", "no location: we need food"]
)
def test_a_request_that_starts_with_yes_or_no_is_not_an_answer(phone, text):
    sam_person = sms_helper("Sam Rivera", km=0.3)
    db.session.commit()
    sam = phone(sam_person.phone)
    code = code_in(phone().text("NEED groceries 11211")[0])
    assert len(sam.inbox()) == 1  # invited
    (reply,) = sam.text(text)
    assert "Groceries" in reply and "Where?" in reply
    assert _membership(_pod(code), sam_person.id).status == INVITED  # neither YES nor NO


def test_spanish_with_a_known_word_and_a_zip_is_posted_at_once(phone):
    ana = phone()
    (posted,) = ana.text("necesito ayuda con comida 11237")
    assert posted.startswith("Listo: ") and "Compras en 11237" in posted, posted
    (need,) = _needs_of(ana)
    assert need.category == "groceries"
    assert ana.text("gracias!") == [
        "¡De nada! Escríbenos cuando necesites una mano, o AYUDA para ver los comandos."
    ]


# -- chat from a group member goes to the group and changes nothing ------------------------


def test_group_chat_is_relayed_and_never_a_command(phone):
    sam_person = sms_helper("Sam Rivera", km=0.3)
    db.session.commit()
    maria, sam = phone(), phone(sam_person.phone)
    maria.text("NAME Maria")
    code = _group(maria, sam)
    chat = [
        "leave the bags with the doorman?",
        "done shopping, coming over",
        "paso a las 5 por tu casa, ok?",
        "ok on my way, text me at 718 555 0199",
    ]
    for text in chat:
        assert sam.text(text) == [], text  # no prompt, no "Which one?"
        assert maria.inbox() == [f"[{code}] Sam: {text}"]
    pod = _pod(code)
    assert _membership(pod, sam_person.id).status == ACCEPTED  # not left, not declined
    assert pod.need.status not in ("resolved", "cancelled")
    bodies = [
        m.body for m in db.session.scalars(select(PodMessage).where(PodMessage.pod_id == pod.id))
    ]
    assert all(text in bodies for text in chat)  # in the thread, not lost
    # Maria writes like a person too; "DONE" with its code is still the command.
    assert maria.text("leave it with the doorman pls") == []
    assert sam.inbox() == [f"[{code}] Maria: leave it with the doorman pls"]
    assert sam.text(f"DONE {code}") == [
        f"mutualaid: {code} is done. Thank you for helping each other!"
    ]


def test_a_bare_command_word_still_acts_and_a_worded_one_only_hints(phone):
    sam_person = sms_helper("Sam Rivera", km=0.3)
    db.session.commit()
    maria, sam = phone(), phone(sam_person.phone)
    code = _group(maria, sam)
    (hint,) = maria.text("done, thank you all!")
    assert hint == f"Sent to your group. If you meant the command, reply DONE {code}."
    assert _pod(code).need.status != "resolved"
    assert sam.inbox() == [f"[{code}] Texter: done, thank you all!"]  # relayed, not lost
    assert sam.text("LEAVE")[0].startswith(f"Got it: you left {code}")


def test_a_decline_in_words_asks_for_the_command(phone):
    sam_person = sms_helper("Sam Rivera", km=0.3)
    db.session.commit()
    sam = phone(sam_person.phone)
    code = code_in(phone().text("NEED groceries 11211")[0])
    sam.inbox()
    for text in ("paso a las 5 por tu casa, ok?", "sorry can't make it"):
        (ask,) = sam.text(text)
        assert f"Reply NO {code} to decline it" in ask
        assert _membership(_pod(code), sam_person.id).status == INVITED
    assert sam.text(f"no {code}")[0].startswith(f"Got it: you declined {code}")


def test_sure_i_can_do_it_accepts_the_invitation(phone):
    sam_person = sms_helper("Sam Rivera", km=0.3)
    db.session.commit()
    sam = phone(sam_person.phone)
    code = code_in(phone().text("NEED groceries 11211")[0])
    sam.inbox()
    texts = sam.text("sure, I can do it")
    assert any(t.startswith(f"Got it: you're in {code}") for t in texts)


# -- a new request from a group member; emergencies ----------------------------------------


def test_a_new_possibly_urgent_request_from_a_group_member_is_not_group_chat(phone):
    driver_person = sms_helper("Dee Driver", km=0.3, categories=("transport",))
    db.session.commit()
    maria, driver = phone(), phone(driver_person.phone)
    code = _group(maria, driver, "transport")
    texts = maria.text("my mom fell, can someone sit with her tmrw am?")
    assert "If this is an emergency, call 911 now. We have also told our coordinators." in texts
    assert f"Is this for your group {code} (reply 1) or a new request (reply 2)?" in texts
    assert driver.inbox() == []  # not relayed into the transport group
    inbound = _last_inbound(maria)
    assert inbound.handled_at is None and inbound.priority == 20  # urgent, in the inbox
    (where,) = maria.text("2")
    assert where.startswith("Got it: Medical, tmrw am. Where?"), where
    (posted,) = maria.text("11211")
    new = [n for n in _needs_of(maria) if n.code == code_in(posted)]
    assert new and new[0].urgency == "week" and "sit with her" in new[0].details


def test_the_urgent_text_is_first_in_the_coordinators_inbox(phone):
    calm, urgent = phone(), phone()
    calm.text("hello, who runs this?")
    told = urgent.text("mi abuela no puede respirar")
    coordinator = make_person(name="Lee Coord", role="coordinator")
    db.session.commit()
    rows = inbox_page(db.session, coordinator).rows
    assert [m.body for m, _sender in rows][:2] == [
        "mi abuela no puede respirar",
        "hello, who runs this?",
    ]
    # Her text is Spanish, so is the emergency text (sent first).
    assert (
        told[0] == "Si es una emergencia, llama al 911 ahora. También avisamos a los coordinadores."
    )


def test_the_emergency_number_is_a_setting(phone, settings_override):
    settings_override(sms_emergency_number="112")
    texts = phone().text("my dad has chest pain")
    assert "If this is an emergency, call 112 now. We have also told our coordinators." in texts


def test_one_for_the_group_relays_the_text(phone):
    sam_person = sms_helper("Sam Rivera", km=0.3)
    db.session.commit()
    maria, sam = phone(), phone(sam_person.phone)
    code = _group(maria, sam)
    (ask,) = maria.text("we also need diapers and wipes")
    assert ask.startswith(f"Is this for your group {code}")
    assert maria.text("1") == []
    assert sam.inbox() == [f"[{code}] Texter: we also need diapers and wipes"]


# -- journey 6: Rosa writes like a person; FIX ----------------------------------------------


def test_journey_6_rosa_writes_like_a_person(phone, fake_geocoder, nominatim):
    from tests.fakes.nominatim import FakePlace

    nominatim.add("the church on grand st", FakePlace(40.7117, -73.9573, "Grand St, Brooklyn"))
    helper_person = sms_helper("Sam Rivera", km=0.3, categories=("medical",))
    db.session.commit()
    rosa, sam = phone(), phone(helper_person.phone)
    rosa.text("NAME Rosa")
    (posted,) = rosa.text(
        "hi can someone pick up my moms meds tomorrow morning, we're by the church on grand st"
    )
    code = code_in(posted)
    assert posted.startswith(
        f"Got it: need {code}, Medical near the church on grand st, tomorrow morning."
    ), posted
    (need,) = _needs_of(rosa)
    assert need.urgency == "week" and need.location_status == "ok"
    (invite,) = sam.inbox()
    assert f"YES {code}" in invite
    sam.text(f"yes {code}")
    assert any("Sam" in t and "coming" in t for t in rosa.inbox())
    assert rosa.text("leave it with the doorman pls") == []
    assert sam.inbox() == [f"[{code}] Rosa: leave it with the doorman pls"]
    db.session.expire_all()
    assert db.session.get(Need, need.id).status == "active"


def test_fix_changes_what_was_guessed(phone):
    rosa = phone()
    rosa.text("can someone pick up my meds, 11211")
    (need,) = _needs_of(rosa)
    assert need.category == "medical"
    (what,) = rosa.text("FIX")
    assert what == (
        f"What should change in {need.code}? Reply 1 for what (Medical), 2 for where, 3 for when."
    )
    assert rosa.text("1")[0].startswith("What do you need? Reply 1 Groceries")
    assert rosa.text("7") == [
        f"Fixed: need {need.code} is now Errands. Reply FIX again to change more."
    ]
    rosa.text("fix")
    rosa.text("3")
    rosa.text("1")
    db.session.expire_all()
    need = db.session.get(Need, need.id)
    assert need.category == "errands" and need.urgency == "now"


# -- nobody asking for help is silenced; pumping still stopped -----------------------------


def test_junk_from_an_unknown_number_stays_capped(phone):
    pumper = phone()
    replies = [pumper.text(f"promo code {i}") for i in range(6)]
    assert sum(len(r) for r in replies) == 3  # SMS_UNKNOWN_REPLY_CAP


def test_requests_from_many_numbers_of_one_prefix_are_capped(phone, settings_override):
    settings_override(sms_prefix_daily_cap=2)
    answered = [phone(f"+1718555{n:04d}").text("I need food please") for n in (101, 102, 103)]
    assert [len(r) for r in answered] == [1, 1, 0]
    # Another prefix is not affected.
    assert len(phone("+12125550101").text("I need food please")) == 1


def test_chat_from_a_helper_with_another_invitation_goes_to_the_group(phone):
    """ "ok on my way" from a helper seated in one group and invited to another: relayed to
    the group (it once got "Which one?" and vanished from the thread and the inbox)."""
    from sqlalchemy import update

    sam_person = sms_helper("Sam Rivera", km=0.3, categories=("groceries", "meals"))
    db.session.execute(update(Offer).where(Offer.helper_id == sam_person.id).values(capacity=2))
    db.session.commit()
    maria, sam = phone(), phone(sam_person.phone)
    code = _group(maria, sam)
    other = code_in(phone().text("NEED meals 11211")[0])
    assert any(f"YES {other}" in t for t in sam.inbox())
    assert sam.text("ok on my way, text me at 718 555 0199") == []
    assert maria.inbox() == [f"[{code}] Sam: ok on my way, text me at 718 555 0199"]
    assert _membership(_pod(other), sam_person.id).status == INVITED


def test_a_premium_rate_number_is_never_answered_even_asking_for_help(phone):
    premium = phone("+19002345678")  # a US 900 number: texts to it cost (SMS pumping)
    assert premium.text("I need food please, my kids are hungry") == []
    assert premium.person is None


def test_where_answered_in_words_is_looked_up(phone, fake_geocoder, nominatim):
    from tests.fakes.nominatim import FakePlace

    nominatim.add("the church on grand st", FakePlace(40.7117, -73.9573, "Grand St, Brooklyn"))
    rosa = phone()
    (ask,) = rosa.text("I need someone to pick up my prescription")
    assert "Where?" in ask
    (posted,) = rosa.text("we're by the church on grand st")
    assert posted.startswith("Got it: need") and "near the church on grand st" in posted
    (need,) = _needs_of(rosa)
    assert need.location_status == "ok" and "church" not in need.details


def test_cancel_in_words_explains_and_cancels_nothing(phone):
    maria = phone()
    code = code_in(maria.text("NEED groceries 11211")[0])
    assert maria.text("cancel that, my sister is bringing food") == [
        "Nothing to cancel. To withdraw a need, text CANCEL and its code."
    ]
    assert _needs_of(maria)[0].status not in ("cancelled",)
    assert maria.text(f"cancel {code}")[0] == (
        f"Got it: need {code} is cancelled. Everyone involved was told."
    )
