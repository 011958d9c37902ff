"""The five journeys of PRODUCT.md, by text, through signed /sms/inbound webhooks (the real
RequestValidator) and the outbox. Journey 1 also runs over real sockets through the real
twilio client and the emulator in test_journey_live.py."""

from __future__ import annotations

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Need, Notification, PodMessage, SmsMessage
from mutualaid.models.messages import INBOUND
from mutualaid.models.needs import STATUS_RESOLVED
from mutualaid.models.pods import Pod
from mutualaid.pods.cascade import expire_invitations
from tests.conftest import login_as, text_of
from tests.smsconv.conftest import (
    assert_no_number_leaks,
    code_in,
    sms_helper,
    web_helper,
)


def page_html(client, pod) -> str:
    return client.get(f"/pods/{pod.id}").get_data(as_text=True)


def _pod(code: str) -> Pod:
    db.session.expire_all()
    return db.session.scalar(select(Pod).where(Pod.code == code))


def test_journey_1_maria_gets_groceries_by_text_alone(phone, client):
    jo = web_helper("Jo Park", km=0.3)
    sam_person = sms_helper("Sam Rivera", km=0.6)
    db.session.commit()
    maria, sam = phone(), phone(sam_person.phone)

    assert maria.text("NAME Maria") == [
        "Thanks, Maria! Pods will see you as Maria. Text NEED or OFFER to start."
    ]
    (got,) = maria.text("NEED groceries 11211 milk, bread, rice, 2 people")
    code = code_in(got)
    assert got.startswith(f"Got it: need {code}, Groceries near 11211. Looking for 2 neighbors")
    need = db.session.scalar(select(Need).where(Need.code == code))
    assert need.details == "milk, bread, rice" and need.people_needed == 2

    # Helpers nearby are invited: Sam by text (code, category, distance, urgency, how to
    # answer), Jo on the web.
    (invite,) = sam.inbox()
    assert f"Reply YES {code} or NO {code}" in invite
    assert "groceries" in invite.lower() and "km away" in invite and "today" in invite
    assert db.session.scalar(
        select(Notification).where(
            Notification.person_id == jo.id, Notification.kind == "invitation"
        )
    )

    # Jo accepts on the web, Sam by a bare YES with a note; the note reaches the pod.
    pod = _pod(code)
    login_as(client, jo)
    assert client.submit(f"/pods/{pod.id}/accept").status_code == 303
    client.get("/auth/logout")
    seated, complete = sam.text("yes, in 20 min")  # the reply goes out first
    assert complete.startswith(f"mutualaid: pod {code} is complete. Address: 11211")
    assert seated.startswith(f"Got it: you're in {code}")
    assert any(m.body == "in 20 min" for m in db.session.scalars(select(PodMessage)))
    coming = maria.inbox()
    assert f"[{code}] Sam: in 20 min" in coming
    assert any("Jo and Sam are coming" in t and "Reply here to talk to them" in t for t in coming)

    # Maria's replies are relayed: Sam by text, Jo in the web thread.
    assert maria.text("Thank you! Buzz 3B, I'm home all day") == []
    assert sam.inbox() == [f"[{code}] Maria: Thank you! Buzz 3B, I'm home all day"]
    login_as(client, jo)
    assert "Buzz 3B, I&#39;m home all day" in page_html(client, pod)
    # ... and Jo's web message reaches both SMS members.
    client.submit(f"/pods/{pod.id}/messages", {"body": "Leaving now with the bags"})
    assert maria.inbox() == [f"[{code}] Jo: Leaving now with the bags"]
    assert sam.inbox() == [f"[{code}] Jo: Leaving now with the bags"]

    # Sam (not the lead) says DONE; Maria confirms; everyone is thanked.
    (asked,) = sam.text(f"DONE {code}")
    assert asked == f"Thanks! We asked Maria to confirm {code} is done."
    (confirm,) = maria.inbox()
    assert f"Sam says {code} is done. Reply DONE {code} to confirm" in confirm
    thanks = maria.text("done")
    assert thanks == [f"mutualaid: {code} is done. Thank you for helping each other!"]
    assert sam.inbox() == thanks
    assert db.session.get(Need, need.id).status == STATUS_RESOLVED
    assert db.session.scalar(
        select(Notification).where(
            Notification.person_id == jo.id, Notification.kind == "pod_resolved"
        )
    )
    assert_no_number_leaks(maria.number, sam.number)


def test_journey_2_jo_offers_rides_on_the_web_and_answers_by_text(phone, client):
    jo = web_helper("Jo Park", km=1.2, categories=("transport",), language="en")
    db.session.commit()
    # Jo links a phone: a code by SMS, typed on the account page.
    jo_phone = phone()
    login_as(client, jo)
    response = client.submit("/account/phone", {"send-phone": jo_phone.number, "send-send": "1"})
    assert response.status_code == 302
    (code_text,) = jo_phone.inbox()
    typed = code_text.split("code is ")[1][:6]
    response = client.submit("/account/phone", {"code-code": typed, "code-confirm": "1"})
    assert response.status_code == 302
    db.session.refresh(jo)
    assert jo.phone == jo_phone.number and jo.phone_verified_at is not None
    client.get("/auth/logout")

    ana = phone()
    (got,) = ana.text("necesito aventon 11211 al doctor")
    code = code_in(got)
    (invite,) = jo_phone.inbox()
    assert "1.2 km away" in invite and f"YES {code}" in invite
    texts = jo_phone.text(f"YES {code}")
    assert any(f"you're in {code}" in t for t in texts), texts
    pod = _pod(code)
    login_as(client, jo)
    assert "11211" in text_of(client.get(f"/pods/{pod.id}"))  # the exact place, for members


def test_journey_3_a_need_nobody_takes_moves_to_the_next_helpers(phone, app):
    near = [
        sms_helper(f"Near{i} Helper", km=0.2 + i / 10, categories=("transport",)) for i in (0, 1)
    ]
    far = sms_helper("Far Helper", km=3.0, categories=("transport",))
    db.session.commit()
    maria = phone()
    code = code_in(maria.text("NEED ride 11211")[0])
    one, two, three = (phone(p.phone) for p in (*near, far))
    assert len(one.inbox()) == 1 and len(two.inbox()) == 1 and three.inbox() == []
    assert one.text("NO") == [f"Got it: you declined {code}. Thanks for letting us know."]
    (invite,) = three.inbox()  # the next candidate is invited
    assert f"YES {code}" in invite and "3.0 km away" in invite
    # Nobody answers; the invitations expire, nobody is left: the need waits, unmatched,
    # for the coordinators, and STATUS says it is still open.
    from datetime import timedelta

    from mutualaid.models import utcnow

    expire_invitations(db.session, now=utcnow() + timedelta(days=2))
    db.session.commit()
    need = db.session.scalar(select(Need).where(Need.code == code))
    assert need.unmatched_reason.startswith("No transport offers within")
    (status,) = maria.text("status")
    assert f"need {code} Transport (finding neighbors)" in status
    (late,) = two.text(f"yes {code}")
    assert "expired" in late


def test_journey_4_unplaceable_texts_wait_in_the_inbox_and_a_texter_is_merged(phone, client):
    stranger = phone()
    (hint,) = stranger.text("is this the food bank? my lights are off")
    assert "a coordinator will read your question" in hint and "what you need and where" in hint
    inbound = db.session.scalar(
        select(SmsMessage).where(
            SmsMessage.direction == INBOUND, SmsMessage.from_number == stranger.number
        )
    )
    assert inbound.handled_at is None  # the coordinators' inbox shows it
    (got,) = stranger.text("NEED meals 11211")
    code = code_in(got)
    handled = db.session.scalars(
        select(SmsMessage.handled_at)
        .where(SmsMessage.direction == INBOUND, SmsMessage.from_number == stranger.number)
        .order_by(SmsMessage.id)
    ).all()
    assert handled[0] is None and handled[1] is not None

    # The texter signs up on the web with the same number: one person, not two.
    texter_id = stranger.person.id
    response = client.submit(
        "/auth/signup",
        {
            "name": "Lena Ortiz",
            "email": "lena.sms@example.org",
            "password": "long enough pw 1",
            "confirm": "long enough pw 1",
            "phone": stranger.number,
        },
    )
    assert response.status_code == 302
    assert stranger.inbox() == []  # the sign-up form never texts a number (issue 16)
    login = {"email": "lena.sms@example.org", "password": "long enough pw 1"}
    assert client.submit("/auth/login", login).status_code == 302
    client.submit("/account/phone", {"send-phone": stranger.number, "send-send": "1"})
    (code_text,) = stranger.inbox()
    typed = code_text.split("code is ")[1][:6]
    client.submit("/account/phone", {"code-code": typed, "code-confirm": "1"})
    lena = stranger.person
    assert lena.email == "lena.sms@example.org" and lena.id != texter_id
    need = db.session.scalar(select(Need).where(Need.code == code))
    assert need.requester_id == lena.id
    # Texts from the number now act as the account.
    (status,) = stranger.text("STATUS")
    assert f"need {code}" in status


def test_journey_5_stop_silences_everything_and_start_brings_it_back(phone):
    sam_person = sms_helper("Sam Rivera", km=0.4)
    db.session.commit()
    sam, maria = phone(sam_person.phone), phone()
    maria.text("NEED")  # a question is pending...
    assert sam.text("STOP") == []  # ...for Maria; Sam opts out
    assert maria.text("CANCEL") == []  # the opt-out word opts out, it does not cancel a flow
    assert maria.person.sms_opted_out and sam.person.sms_opted_out
    code = code_in(phone().text("NEED groceries 11211")[0])
    assert sam.inbox() == []  # no invitation text to an opted-out number
    assert code
    (back,) = sam.text("START")
    assert "you will get texts again" in back
    (help_text,) = sam.text("HELP")
    assert "STOP" in help_text
