"""The SMS journeys in Spanish, through signed /sms/inbound webhooks and the outbox: a new
number that writes Spanish is answered in Spanish from the first reply; LANG ES / LANG EN /
ESPAÑOL / ENGLISH switch; a pod can mix readers of both languages."""

from __future__ import annotations

import re

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Need
from mutualaid.models.needs import STATUS_RESOLVED
from mutualaid.models.pods import Pod
from mutualaid.sms.compose import count_segments
from tests.conftest import login_as
from tests.smsconv.conftest import assert_no_number_leaks, code_in, sms_helper, web_helper

# English words of our own texts that must never reach a Spanish reader.
ENGLISH = re.compile(
    r"\b(Reply|YES|NEED|OFFER|STOP|HELP|DONE|STATUS|LEAVE|RESUME|Got it|Thanks|Thank you|"
    r"away|Address|coming|complete|help|text|pod|need|needs|offer|Groceries|today)\b"
)


def spanish(texts: list[str], *, relayed: tuple[str, ...] = ()) -> list[str]:
    """Assert every text is ours-in-Spanish (relayed neighbor words excepted) and fits."""
    for text in texts:
        if relayed and text.startswith(relayed):
            continue
        assert not ENGLISH.search(text), text
        assert count_segments(text)[1] <= 2, text
    return texts


def _pod(code: str) -> Pod:
    db.session.expire_all()
    return db.session.scalar(select(Pod).where(Pod.code == code))


def test_journey_1_in_spanish_maria_gets_groceries_by_text(phone, client):
    jo = web_helper("Jo Park", km=0.3)  # reads English, on the web
    sam_person = sms_helper("Samuel Ríos", km=0.6, language="es")
    db.session.commit()
    maria, sam = phone(), phone(sam_person.phone)

    # Her first text is Spanish: she is answered in Spanish from the first reply on.
    (named,) = spanish(maria.text("Me llamo María"))
    assert (
        named
        == "¡Gracias, María! Los grupos te verán como María. Manda NECESITO u OFREZCO para empezar."
    )
    assert maria.person.language == "es"
    (got,) = spanish(maria.text("NECESITO comida 11211 leche, pan, arroz, 2 personas"))
    code = code_in(got)
    assert got.startswith(f"Listo: pedido {code}, Compras cerca de 11211. Buscamos 2 vecinos")

    (invite,) = spanish(sam.inbox())
    assert f"Responde SI {code} o NO {code}" in invite and "Compras" in invite
    assert "para hoy" in invite and " km" in invite

    pod = _pod(code)
    login_as(client, jo)
    assert client.submit(f"/pods/{pod.id}/accept").status_code == 303
    client.get("/auth/logout")
    seated, complete = spanish(sam.text("sí, en 20 min"))
    assert seated.startswith(f"Listo: estás en {code} (Compras)")
    assert complete.startswith(f"mutualaid: grupo {code} completo. Domicilio: 11211")
    coming = spanish(maria.inbox(), relayed=(f"[{code}] Samuel:",))
    assert f"[{code}] Samuel: en 20 min" in coming
    assert any(t.startswith(f"mutualaid: vienen a ayudar con {code}: Jo y Samuel") for t in coming)

    # Samuel says LISTO; María confirms; everyone is thanked in their language.
    (asked,) = spanish(sam.text(f"LISTO {code}"))
    assert asked == f"¡Gracias! Le pedimos a María que confirme que {code} está listo."
    (confirm,) = spanish(maria.inbox())
    assert f"Responde LISTO {code} para confirmar" in confirm
    thanks = spanish(maria.text("listo"))
    assert thanks == [f"mutualaid: {code} está listo. ¡Gracias por ayudarse!"]
    assert sam.inbox() == thanks
    assert db.session.scalar(select(Need).where(Need.code == code)).status == STATUS_RESOLVED
    assert_no_number_leaks(maria.number, sam.number)


def test_status_help_and_cancel_in_spanish(phone):
    ana = phone()
    (got,) = spanish(ana.text("necesito aventón 11211 al doctor"))
    code = code_in(got)
    (status,) = spanish(ana.text("ESTADO"))
    assert status.startswith(f"Tu mutualaid: pedido {code} Transporte (")
    (help_text,) = spanish(ana.text("AYUDA"))
    assert "NECESITO" in help_text and "PARAR" in help_text
    (nothing,) = spanish(ana.text("cancelar"))
    assert nothing.startswith("Nada que cancelar")
    (cancelled,) = spanish(ana.text(f"CANCELAR {code}"))
    assert code in cancelled
    assert ana.text("PARAR") == []  # the carrier confirms the opt-out
    assert ana.person.sms_opted_out


def test_language_switching_words(phone):
    # (New numbers get at most 3 replies a day until they do something real: one phone
    # per switch.)
    lee = phone()
    (hello,) = lee.text("HELP")  # an English first text: English
    assert "NEED" in hello and lee.person.language == "en"
    assert lee.text("ESPAÑOL") == ["Listo: desde ahora, mensajes en español. LANG EN para inglés."]
    (ayuda,) = spanish(lee.text("HELP"))  # HELP still works; the answer is Spanish
    assert "NECESITO" in ayuda

    rosa = phone()
    spanish(rosa.text("hola"))
    assert rosa.person.language == "es"
    assert rosa.text("ENGLISH") == ["OK: texts in English from now on. LANG ES for Spanish."]
    assert rosa.person.language == "en"

    kim = phone()
    assert kim.text("lang es") == ["Listo: desde ahora, mensajes en español. LANG EN para inglés."]
    assert kim.text("LANG EN") == ["OK: texts in English from now on. LANG ES for Spanish."]


def test_spanish_first_words_set_spanish_for_a_new_number_only(phone):
    cases = (("NECESITO", "es"), ("OFREZCO", "es"), ("¡Ayuda!", "es"), ("Sí", "es"))
    cases += (("Mi nombre es Rosa", "es"), ("hi", "en"), ("NEED", "en"), ("no", "en"))
    for first, language in cases:
        p = phone()
        p.text(first)
        assert p.person.language == language, first
    # A known English texter who writes one Spanish word keeps English.
    known = phone()
    known.text("HELP")
    (reply,) = known.text("AYUDA")
    assert known.person.language == "en" and "NEED" in reply
