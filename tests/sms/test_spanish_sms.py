"""A Spanish-speaking SMS-only neighbor gets every text in Spanish through the real pipeline
(signed webhooks in, the outbox out), while an English texter in the same pod gets English.

Accepting an invitation by text (SI <code>) belongs to the SMS conversation layer; until it
is merged these tests accept through the same domain call it uses (seating.accept).
"""

from __future__ import annotations

import re

from sqlalchemy import select

from mutualaid import needs
from mutualaid.extensions import db
from mutualaid.models import Person, SmsMessage
from mutualaid.models.people import CONSENT_OPTED_IN, CONSENT_OPTED_OUT
from mutualaid.pods import thread
from mutualaid.pods.formation import start_pod
from mutualaid.pods.seating import accept
from mutualaid.sms.compose import count_segments
from tests.factories import make_texter, unique_phone
from tests.fakes.twilio_emulator import send_inbound
from tests.pod_scene import make_helper, make_need
from tests.sms.conftest import INBOUND_URL

# Words that must never reach a Spanish reader (the English texts' command and key words).
ENGLISH = re.compile(
    r"\b(Reply|YES|NEED|OFFER|STOP|HELP|DONE|away|Address|coming|complete|thank|"
    r"Thanks|cancelled|help|text|texts|needed)\b"
)


def _texts_to(number: str) -> list[SmsMessage]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(SmsMessage)
            .where(SmsMessage.direction == "out", SmsMessage.to_number == number)
            .order_by(SmsMessage.id)
        )
    )


def _texter_helper(name: str, km: float, language: str):
    return make_helper(
        name,
        km,
        phone=unique_phone(),
        sms_preference="only",
        email=None,
        password=None,
        sms_consent=CONSENT_OPTED_IN,
        language=language,
    )


def test_one_pod_two_languages_invitations_and_pod_notices(client, neighbor):
    maria = _texter_helper("María López", 0.7, "es")
    sam = _texter_helper("Sam Green", 0.9, "en")
    need = make_need(neighbor, people_needed=2, urgency="today")
    pod = start_pod(db.session, need)
    db.session.commit()

    [invite_es] = [m.body for m in _texts_to(maria.phone)]
    [invite_en] = [m.body for m in _texts_to(sam.phone)]
    assert f"SI {pod.code} o NO {pod.code}" in invite_es
    assert "Compras" in invite_es and "para hoy" in invite_es and "0.7 km" in invite_es
    assert f"YES {pod.code}" in invite_en and "Groceries" in invite_en

    accept(db.session, pod, maria)
    accept(db.session, pod, sam)
    thread.post_message(db.session, pod, sam, "I'll bring bags")
    db.session.commit()

    es = [m.body for m in _texts_to(maria.phone)]
    en = [m.body for m in _texts_to(sam.phone)]
    assert any("Domicilio: 12 Berry St" in t for t in es)  # seated: the address, in Spanish
    assert any("Address: 12 Berry St" in t for t in en)
    assert es[-1] == f"[{pod.code}] Sam: I'll bring bags"  # a neighbor's words are relayed as-is

    needs.resolve_from_pod(db.session, pod, neighbor)
    db.session.commit()
    es = [m.body for m in _texts_to(maria.phone)]
    assert f"{pod.code} está listo" in es[-1]
    ours = [t for t in es if t.startswith("mutualaid:")]
    assert len(ours) >= 3
    for text in ours:
        assert not ENGLISH.search(text), text
        assert count_segments(text)[1] <= 2, text
    assert all(m.segments <= 2 for m in _texts_to(maria.phone))


def test_help_stop_and_start_replies_come_in_spanish(client, neighbor):
    person = _texter_helper("Rosa Díaz", 0.5, "es")
    db.session.commit()

    assert send_inbound(client, INBOUND_URL, person.phone, "¡Ayuda!").status_code == 200
    (help_reply,) = _texts_to(person.phone)
    assert "NECESITO" in help_reply.body and "PARAR" in help_reply.body
    assert not ENGLISH.search(help_reply.body) and help_reply.segments <= 2

    send_inbound(client, INBOUND_URL, person.phone, "PARAR")
    db.session.expire_all()
    assert db.session.get(Person, person.id).sms_consent == CONSENT_OPTED_OUT
    assert len(_texts_to(person.phone)) == 1  # the carrier confirms STOP; we add nothing

    # Opted out, other words get no answer at all.
    send_inbound(client, INBOUND_URL, person.phone, "hola, ¿hay alguien?")
    assert len(_texts_to(person.phone)) == 1

    send_inbound(client, INBOUND_URL, person.phone, "sí")  # SÍ after PARAR opts back in
    latest = _texts_to(person.phone)[-1]
    assert latest.body.startswith("mutualaid: vas a recibir mensajes otra vez")
    assert "AYUDA" in latest.body and not ENGLISH.search(latest.body)


def test_an_english_texter_still_gets_english_help(client):
    person = make_texter(language="en", sms_consent=CONSENT_OPTED_IN)
    db.session.commit()
    send_inbound(client, INBOUND_URL, person.phone, "HELP")
    (reply,) = _texts_to(person.phone)
    assert "NEED" in reply.body and "STOP" in reply.body and "NECESITO" not in reply.body


def test_invitations_count_in_miles_where_the_area_does(neighbor):
    from mutualaid.models import Area

    area = Area(
        slug="milltown-sms", name="Milltown", center_lat=40.70, center_lng=-73.95, units="mi"
    )
    db.session.add(area)
    db.session.flush()
    maria = _texter_helper("María López", 1.6, "es")
    sam = _texter_helper("Sam Green", 1.6, "en")
    pod = start_pod(db.session, make_need(neighbor, people_needed=2, area_id=area.id))
    db.session.commit()
    [invite_es] = [m.body for m in _texts_to(maria.phone)]
    [invite_en] = [m.body for m in _texts_to(sam.phone)]
    assert ", a 1.0 mi, " in invite_es and f"SI {pod.code}" in invite_es
    assert ", 1.0 mi away, " in invite_en and "km" not in invite_en
