"""The forgiving SMS parser: a table of real-looking texts and what each must mean, and
property tests that no input makes it raise."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualaid.sms import commands as c
from mutualaid.sms.commands import parse

# (text, kind, expected fields). Fields: cat (category), cats, where, details, code, note,
# radius, lang, rest.
TABLE = [
    # NEED: the journey, spacing, case, typos, Spanish, fillers, places
    (
        "NEED groceries 11211 milk, bread, rice",
        c.NEED,
        {"cat": "groceries", "where": "11211", "details": "milk, bread, rice"},
    ),
    ("need groceries 11211", c.NEED, {"cat": "groceries", "where": "11211", "details": ""}),
    ("  NEED   Groceries   11211  ", c.NEED, {"cat": "groceries", "where": "11211"}),
    (
        "Need: groceries, 11211. milk pls",
        c.NEED,
        {"cat": "groceries", "where": "11211", "details": "milk pls"},
    ),
    ("NEDD grocries 11211", c.NEED, {"cat": "groceries", "where": "11211"}),
    ("neeed food 11211", c.NEED, {"cat": "groceries", "where": "11211"}),
    ("need grocery 11211-1234", c.NEED, {"cat": "groceries", "where": "11211-1234"}),
    ("NEED groceries", c.NEED, {"cat": "groceries", "where": None}),
    ("NEED", c.NEED, {"cat": None, "where": None, "details": ""}),
    ("need!!", c.NEED, {"cat": None, "where": None}),
    ("NEED 11211", c.NEED, {"cat": None, "where": "11211"}),
    (
        "need a ride 40.7128,-73.9442 to the clinic",
        c.NEED,
        {"cat": "transport", "details": "to the clinic"},
    ),
    (
        "need ride 40.7128,-73.9442 to the clinic",
        c.NEED,
        {"cat": "transport", "where": "40.7128,-73.9442", "details": "to the clinic"},
    ),
    ("need ride 40.7128, -73.9442", c.NEED, {"cat": "transport", "where": "40.7128,-73.9442"}),
    ("NEED transport near 11211", c.NEED, {"cat": "transport", "where": "11211"}),
    (
        "NEED meds at 123 Main St, Brooklyn; insulin pickup",
        c.NEED,
        {"cat": "medical", "where": "123 Main St, Brooklyn", "details": "insulin pickup"},
    ),
    (
        "need medicine 450 Grand Ave - before 5pm",
        c.NEED,
        {"cat": "medical", "where": "450 Grand Ave", "details": "before 5pm"},
    ),
    (
        "need childcare 11211 saturday morning 2 kids",
        c.NEED,
        {"cat": "childcare", "where": "11211", "details": "saturday morning 2 kids"},
    ),
    ("need child care 11211", c.NEED, {"cat": "childcare", "where": "11211"}),
    ("need hot food 11211", c.NEED, {"cat": "meals", "where": "11211"}),
    ("need meals 11211 for 3", c.NEED, {"cat": "meals", "details": "for 3"}),
    ("need company 11211", c.NEED, {"cat": "companionship"}),
    ("need errands 11211 post office", c.NEED, {"cat": "errands", "details": "post office"}),
    ("need pick up 11211", c.NEED, {"cat": "errands"}),
    ("need housing 11211 roof leak", c.NEED, {"cat": "housing", "details": "roof leak"}),
    ("need moving help 11211", c.NEED, {"cat": "housing"}),
    ("need pharmacy 11211", c.NEED, {"cat": "medical"}),
    ("need something else 11211", c.NEED, {"cat": "other"}),
    (
        "NEED groceries 11211 🍞🥛",
        c.NEED,
        {"cat": "groceries", "where": "11211", "details": "🍞🥛"},
    ),
    ("I need groceries 11211", c.NEED, {"cat": "groceries", "where": "11211"}),
    ("hi, i need food 11211", c.NEED, {"cat": "groceries"}),
    ("Please need meds 11211", c.NEED, {"cat": "medical"}),
    (
        "NECESITO comida 11211 leche y pan",
        c.NEED,
        {"cat": "groceries", "where": "11211", "details": "leche y pan"},
    ),
    ("necesito transporte 11211", c.NEED, {"cat": "transport"}),
    ("Necesito medicina 11211", c.NEED, {"cat": "medical"}),
    ("necesito niñera 11211", c.NEED, {"cat": "childcare"}),
    ("necesito ninera 11211", c.NEED, {"cat": "childcare"}),
    ("nesesito mandados 11211", c.NEED, {"cat": "errands"}),
    ("Hola necesito compras 11211", c.NEED, {"cat": "groceries"}),
    ("necesito aventón 40.71,-73.95", c.NEED, {"cat": "transport", "where": "40.71,-73.95"}),
    ("Necesito", c.NEED, {"cat": None}),
    ("necesito cena en 11211", c.NEED, {"cat": "meals", "where": "11211"}),
    ("help me, I need food 11211", c.NEED, {"cat": "groceries", "where": "11211"}),
    # OFFER
    ("OFFER rides 11211 8km", c.OFFER, {"cats": ("transport",), "where": "11211", "radius": 8.0}),
    ("offer transport 11211 within 8 km", c.OFFER, {"cats": ("transport",), "radius": 8.0}),
    (
        "OFFER rides, groceries 11211 5 km",
        c.OFFER,
        {"cats": ("transport", "groceries"), "radius": 5.0},
    ),
    ("offer groceries and meals 11211", c.OFFER, {"cats": ("groceries", "meals"), "radius": None}),
    ("offer groceries 11211 5", c.OFFER, {"cats": ("groceries",), "where": "11211", "radius": 5.0}),
    ("offer groceries 11211 3 miles", c.OFFER, {"radius": 4.8}),
    ("OFER rides 11211", c.OFFER, {"cats": ("transport",)}),
    ("offfer food 11211", c.OFFER, {"cats": ("groceries",)}),
    ("OFFER", c.OFFER, {"cats": (), "where": None}),
    ("offer 11211", c.OFFER, {"cats": (), "where": "11211"}),
    ("OFFER rides", c.OFFER, {"cats": ("transport",), "where": None}),
    ("ofrezco comida 11211 3", c.OFFER, {"cats": ("groceries",), "radius": 3.0}),
    ("OFREZCO transporte 11211 10 km", c.OFFER, {"cats": ("transport",), "radius": 10.0}),
    ("ofrezco compras y comidas 11211", c.OFFER, {"cats": ("groceries", "meals")}),
    ("I can offer rides 11211", c.TEXT, {}),
    ("I offer rides 11211", c.OFFER, {"cats": ("transport",)}),
    ("offer rides 40.71,-73.95 10km", c.OFFER, {"where": "40.71,-73.95", "radius": 10.0}),
    # YES
    ("YES", c.YES, {"code": None, "note": ""}),
    ("yes", c.YES, {"code": None}),
    ("Yes!", c.YES, {"code": None}),
    ("y", c.YES, {"code": None}),
    ("yess", c.YES, {"code": None}),
    ("Yeah", c.YES, {"code": None}),
    ("ok", c.YES, {"code": None}),
    ("Sure 👍", c.YES, {"code": None}),
    ("YES A7K", c.YES, {"code": "A7K", "note": ""}),
    ("yes a7k", c.YES, {"code": "A7K"}),
    ("YES A7K in 2 hours", c.YES, {"code": "A7K", "note": "in 2 hours"}),
    ("yes, A7K - can be there at 5", c.YES, {"code": "A7K", "note": "can be there at 5"}),
    ("yes I can do a7k tonight", c.YES, {"code": "A7K"}),
    ("YES HMX", c.YES, {"code": "HMX"}),
    ("yes hmx", c.YES, {"code": "HMX"}),
    ("yes can come at 5", c.YES, {"code": None, "note": "can come at 5"}),
    ("yes the car is ready", c.YES, {"code": None}),
    ("Sí", c.YES, {"code": None}),
    ("si A7K", c.YES, {"code": "A7K"}),
    ("SÍ A7K en 1 hora", c.YES, {"code": "A7K", "note": "en 1 hora"}),
    ("claro a7k", c.YES, {"code": "A7K"}),
    ("YSE A7K", c.YES, {"code": "A7K"}),
    ("can help A7K", c.YES, {"code": "A7K"}),
    ("yes 4pm", c.YES, {"note": ""}),
    # NO
    ("NO", c.NO, {"code": None}),
    ("no A7K", c.NO, {"code": "A7K"}),
    ("No, sorry A7K", c.NO, {"code": "A7K", "note": "sorry"}),
    ("nope", c.NO, {"code": None}),
    ("no puedo A7K", c.NO, {"code": "A7K"}),
    ("No thanks", c.NO, {"code": None, "note": "thanks"}),
    # DONE
    ("DONE A7K", c.DONE, {"code": "A7K"}),
    ("done", c.DONE, {"code": None}),
    ("Done!", c.DONE, {"code": None}),
    ("doen a7k", c.DONE, {"code": "A7K"}),
    ("A7K done", c.TEXT, {"code": "A7K"}),
    ("LISTO A7K", c.DONE, {"code": "A7K"}),
    ("listo", c.DONE, {"code": None}),
    ("hecho a7k gracias", c.DONE, {"code": "A7K", "note": "gracias"}),
    ("done with A7K, thanks all", c.DONE, {"code": "A7K"}),
    ("finished", c.DONE, {}),
    # LEAVE / PAUSE / RESUME / STATUS
    ("LEAVE A7K", c.LEAVE, {"code": "A7K"}),
    ("leave", c.LEAVE, {"code": None}),
    ("SALIR A7K", c.LEAVE, {"code": "A7K"}),
    ("salir", c.LEAVE, {}),
    ("PAUSE", c.PAUSE, {}),
    ("pausa", c.PAUSE, {}),
    ("paus", c.PAUSE, {}),
    ("RESUME", c.RESUME, {}),
    ("reanudar", c.RESUME, {}),
    ("continuar", c.RESUME, {}),
    ("STATUS", c.STATUS, {}),
    ("status?", c.STATUS, {}),
    ("staus", c.STATUS, {}),
    ("ESTADO", c.STATUS, {}),
    # HELP / LANG
    ("HELP", c.HELP, {}),
    ("ayuda", c.HELP, {}),
    ("menu", c.HELP, {}),
    ("LANG ES", c.LANG, {"lang": "es"}),
    ("lang es", c.LANG, {"lang": "es"}),
    ("LANG EN", c.LANG, {"lang": "en"}),
    ("language spanish", c.LANG, {"lang": "es"}),
    ("idioma español", c.LANG, {"lang": "es"}),
    ("Español", c.LANG, {"lang": "es"}),
    ("espanol", c.LANG, {"lang": "es"}),
    ("ENGLISH", c.LANG, {"lang": "en"}),
    ("inglés", c.LANG, {"lang": "en"}),
    ("LANG", c.LANG, {"lang": None}),
    ("LANG FR", c.LANG, {"lang": None}),
    # CANCEL-like (not opt-out) and opt-out words
    ("nevermind", c.CANCEL, {}),
    ("never mind", c.CANCEL, {}),
    ("cancelar", c.CANCEL, {"code": None}),
    ("CANCELAR A7K", c.CANCEL, {"code": "A7K"}),
    ("forget it", c.CANCEL, {}),
    ("STOP", c.OPT_OUT, {}),
    ("stop.", c.OPT_OUT, {}),
    ("Cancel", c.OPT_OUT, {}),
    ("cancel A7K", c.CANCEL, {"code": "A7K"}),
    ("stop by at 5 for the keys", c.TEXT, {}),
    ("UNSUBSCRIBE", c.OPT_OUT, {}),
    ("parar", c.OPT_OUT, {}),
    ("START", c.OPT_IN, {}),
    # free text: relay, "A7K: text", the coordinators' inbox
    ("A7K: running 10 min late", c.TEXT, {"code": "A7K", "rest": "running 10 min late"}),
    ("[A7K] on my way", c.TEXT, {"code": "A7K", "rest": "on my way"}),
    ("hmx - got the milk", c.TEXT, {"code": "HMX", "rest": "got the milk"}),
    ("On my way, 10 minutes", c.TEXT, {"code": None}),
    ("I need the address", c.TEXT, {}),
    ("Thank you so much!! ❤️", c.TEXT, {}),
    ("who is this?", c.TEXT, {}),
    ("gracias", c.TEXT, {}),
    ("1", c.TEXT, {}),
    ("2.", c.TEXT, {}),
    ("11211", c.TEXT, {}),
    ("379", c.TEXT, {"code": "379"}),
    ("yes 379", c.YES, {"code": "379"}),
    ("379: on my way", c.TEXT, {"code": "379", "rest": "on my way"}),
    ("the door code is 4471", c.TEXT, {}),
    ("Can someone bring diapers too", c.TEXT, {}),
    ("¿Dónde están?", c.TEXT, {}),
    # empty and emoji only
    ("", c.EMPTY, {}),
    ("   ", c.EMPTY, {}),
    ("👍", c.EMPTY, {}),
    ("🙏🙏🙏", c.EMPTY, {}),
    ("...", c.EMPTY, {}),
    ("?", c.EMPTY, {}),
    ("NEED groceries 11211 milk\x00 bread", c.NEED, {"details": "milk bread"}),
    # long texts
    ("x" * 1600, c.TEXT, {}),
    ("NEED groceries 11211 " + "milk " * 320, c.NEED, {"cat": "groceries", "where": "11211"}),
    ("blah " * 400, c.TEXT, {}),
]

FIELD = {
    "cat": "category",
    "cats": "categories",
    "where": "where",
    "details": "details",
    "code": "code",
    "note": "note",
    "radius": "radius_km",
    "lang": "language",
    "rest": "rest",
}


def test_table_is_large_enough():
    assert len(TABLE) >= 100


@pytest.mark.parametrize(("text", "kind", "fields"), TABLE, ids=[t[0][:40] for t in TABLE])
def test_parse_table(text, kind, fields):
    command = parse(text)
    assert command.kind == kind, command
    for short, expected in fields.items():
        assert getattr(command, FIELD[short]) == expected, (short, command)


def test_note_keeps_everything_but_the_code():
    command = parse("yes I can do a7k tonight after 6")
    assert command.note_without("A7K") == "I can do tonight after 6"


def test_common_words_made_of_code_letters_are_not_codes():
    command = parse("yes the car can make it")
    assert command.code is None and command.note == "the car can make it"
    assert parse("yes ACE").code == "ACE"  # typed in capitals: a code
    assert parse("YES CAR").codes == ("CAR",)  # a real code that is also a word still works


def test_long_need_details_are_cut():
    command = parse("NEED groceries 11211 " + "a" * 5000)
    assert len(command.details) <= c.MAX_INPUT


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=1700))
def test_any_text_parses_without_raising(text):
    command = parse(text)
    assert command.kind in {
        c.NEED, c.OFFER, c.YES, c.NO, c.DONE, c.LEAVE, c.PAUSE, c.RESUME, c.STATUS,
        c.HELP, c.LANG, c.CANCEL, c.OPT_OUT, c.OPT_IN, c.TEXT, c.EMPTY,
    }  # fmt: skip
    for code in command.codes:
        assert set(code) <= set(c.CODE_CHARS)


WORDS = st.sampled_from(
    ["NEED", "need", "OFFER", "yes", "SÍ", "no", "DONE", "A7K", "hmx", "11211", "40.7,-73.9",
     "groceries", "comida", "km", "5", ",", ";", " - ", "🙂", "123 Main St", "LANG", "es"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(WORDS, max_size=12).map(" ".join))
def test_command_shaped_texts_parse_without_raising(text):
    command = parse(text)
    if command.kind == c.OFFER and command.radius_km is not None:
        assert command.radius_km >= 0
