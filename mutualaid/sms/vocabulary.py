"""The SMS vocabulary: kinds of command, the English and Spanish words (and common
misspellings) that name them, opt-out/opt-in words, language words, fillers and words that
look like codes but are not. Data only; the parser in commands.py reads it."""

from __future__ import annotations

import re

# Kinds of command.
NEED = "need"
OFFER = "offer"
YES = "yes"
NO = "no"
DONE = "done"
LEAVE = "leave"
PAUSE = "pause"
RESUME = "resume"
STATUS = "status"
HELP = "help"
LANG = "lang"
CANCEL = "cancel"  # abandon a guided flow ("nevermind", "cancelar"); never an opt-out word
OPT_OUT = "opt_out"  # handled by the transport before the parser; recognised for safety
OPT_IN = "opt_in"
TEXT = "text"  # free text: a menu answer, a message for the pod, or for the coordinators
EMPTY = "empty"
NAME = "name"  # "NAME Maria", "me llamo Maria": how the pod sees the texter

MAX_INPUT = 2000  # longer texts are cut before parsing (a 10-segment text is 1,530 chars)
CODE_CHARS = "ACEFGHJKMNPRTWXY34679"  # mutualaid.needs.CODE_ALPHABET
_CODE = re.compile(rf"^[{CODE_CHARS}]{{3,4}}$")

OPT_OUT_WORDS = frozenset(
    {"stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout", "parar"}
    | {"alto"}
)
OPT_IN_WORDS = frozenset({"start", "unstop"})

# Folded first word -> kind. Misspellings seen in real texts are listed, not guessed.
WORDS: dict[str, str] = {}
for _kind, _words in {
    NEED: "need needs neeed nedd nede neeeed needd ned nee necesito necesita necesitamos "
    "necesidad nesesito necesito necesito necisito request",
    OFFER: "offer offers ofer offr offfer oferr ofre offering ofrezco ofrezo ofresco ofrecer "
    "ofrece oferta ofertar",
    YES: "yes y yess yesss yse ye yea yeah yep yup ya ok okay k sure si sii claro acepto "
    "voy dale accept",
    NO: "no n nope nah decline cant paso rechazo",
    DONE: "done doen dnoe donee dn finished complete completed resolved listo lista hecho "
    "terminado terminada termine",
    LEAVE: "leave leav laeve leaving salir salgo dejar",
    PAUSE: "pause paus puase pausa pausar",
    RESUME: "resume resme unpause continue reanudar continuar seguir",
    STATUS: "status staus stauts statsu stat stats estado estatus",
    HELP: "help hlep info ayuda commands comandos menu",
    LANG: "lang language lnag idioma lengua",
    CANCEL: "cancelar cancela nevermind nvm abandon forget olvidalo olvida reset exit salida nada",
}.items():
    for _w in _words.split():
        WORDS.setdefault(_w, _kind)
FUZZY_WORDS = [w for w in WORDS if len(w) >= 5]
LANGUAGE_WORDS = {
    "es": "es esp espanol spanish castellano",
    "en": "en eng english ingles",
}
LANGUAGE_OF = {w: code for code, ws in LANGUAGE_WORDS.items() for w in ws.split()}
FILLERS = frozenset(
    [
        "i",
        "im",
        "me",
        "yo",
        "hi",
        "hello",
        "hey",
        "hola",
        "please",
        "pls",
        "plz",
        "buenas",
        "buenos",
        "dias",
        "also",
    ]
)
NOT_CODES = frozenset(
    [
        "the",
        "can",
        "and",
        "any",
        "may",
        "way",
        "why",
        "new",
        "men",
        "her",
        "car",
        "are",
        "far",
        "fan",
        "man",
        "ten",
        "yet",
        "war",
        "net",
        "hat",
        "map",
        "cat",
        "text",
        "that",
        "then",
        "than",
        "what",
        "want",
        "whe",
        "when",
        "make",
        "take",
        "came",
        "name",
        "near",
        "yeah",
        "team",
        "meat",
        "heat",
        "neat",
        "cheap",
        "each",
        "reach",
        "math",
        "path",
        "wary",
        "many",
        "myth",
        "hang",
        "ache",
        "fare",
        "care",
        "here",
        "mean",
        "part",
        "rent",
        "tent",
        "wrap",
        "cart",
        "wake",
        "year",
        "hay",
        "art",
        "ate",
        "eat",
        "ear",
        "fat",
        "get",
        "got",
        "hmm",
        "thx",
        "tnx",
        "ahh",
        "meh",
        "nah",
    ]
)
