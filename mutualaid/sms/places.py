"""Where a text says the person is: a ``lat,lng`` pair, a ZIP code, a street address, two
cross streets, or a named place after "near" / "by" / "cerca de" ("by the church on grand
st", "in bizoton 53"). Pure; the geocoder chain (``mutualaid.locations.locate``) decides
later whether the place is found. Used by ``mutualaid.sms.understand``.
"""

from __future__ import annotations

import re


def _split(words: str) -> list[str]:
    return words.split()


_LATLNG = re.compile(r"(?<![\d.])(-?\d{1,2}\.\d+)\s*,\s*(-?\d{1,3}\.\d+)")
_ZIP = re.compile(r"(?<![\d#$.,:/-])\b(\d{5})(?:-\d{4})?\b(?![.,:/]?\d)")
_SUFFIX = (
    r"(?:st|str|street|ave|av|avenue|rd|road|blvd|boulevard|pl|place|dr|drive|ln|lane|way|"
    r"ct|court|ter|terrace|pkwy|parkway|hwy|highway|sq|square|cir|circle)"
)
_ORDINAL = r"(?:\d{1,3}(?:st|nd|rd|th)|[a-z][a-z'.-]+)"
_STREET = (
    rf"(?:(?:[nsew]\.?|north|south|east|west)\s+)?(?:{_ORDINAL}\s+){{0,2}}{_ORDINAL}\s+"
    rf"{_SUFFIX}\b\.?"
)
_ADDRESS = re.compile(
    rf"\b\d{{1,6}}[a-z]?\s+{_STREET}(?:\s*,\s*[a-z][a-z ]{{2,20}}?(?=[,.;!?\n]|$))?", re.I
)
_SPANISH_STREET = re.compile(
    r"(?<!la )\b(?:calle|avenida|av\.?|carrera|cra\.?|callejon|camino|boulevard|bulevar|colonia|"
    r"col\.?|barrio|sector|manzana|zona)\s+(?:[a-z0-9áéíóúñ#'.-]+\s*){1,4}",
    re.I,
)
_CROSS = re.compile(
    rf"\b((?:{_ORDINAL}\s+){{0,2}}{_ORDINAL}(?:\s+{_SUFFIX})?\.?)\s+(?:and|&|y|at|@|con|x)\s+"
    rf"((?:{_ORDINAL}\s+){{0,2}}{_ORDINAL}(?:\s+{_SUFFIX})?\.?)",
    re.I,
)
_CORNER = re.compile(r"\b(?:corner of|esquina (?:de|con)?|between|entre|cross streets?)\s+", re.I)
_NEAR = re.compile(
    r"\b(?:near|nearby|by|next to|across from|behind|in front of|close to|around|at|in|on|"
    r"cerca de(?:l| la| los| las)?|cerca|junto a(?:l)?|frente a(?:l)?|enfrente de(?:l)?|"
    r"al lado de(?:l)?|detras de(?:l)?|atras de(?:l)?|en|por)\s+",
    re.I,
)
# Nouns of places people give as landmarks (folded).
_LANDMARK = re.compile(
    r"\b(?:church|school|park|hospital|clinic|station|subway|library|market|store|shop|"
    r"supermarket|bodega|deli|pharmacy|cvs|walgreens|mcdonalds|gas station|bridge|plaza|"
    r"square|center|centre|projects|houses|building|tower|apartments|mall|cemetery|stadium|"
    r"post office|fire station|firehouse|police|precinct|bus stop|terminal|airport|camp|"
    r"iglesia|capilla|escuela|colegio|parque|hospital|clinica|estacion|biblioteca|mercado|"
    r"tienda|farmacia|puente|plaza|centro|edificio|torre|cementerio|estadio|gasolinera|"
    r"parada|terminal|campamento|refugio|colonia|barrio|sector|pueblo|aldea|"
    r"st|street|ave|avenue|rd|road|blvd|calle|avenida)\b",
    re.I,
)
# A place phrase ends at punctuation or where the sentence goes on.
_PHRASE_END = re.compile(
    r"[,.;!?\n()]|\s(?:and i|and we|and my|and she|and he|but|because|cause|please|pls|plz|"
    r"tomorrow|tonight|today|now|asap|can|could|we|i|my|for|with|to|que|y|pero|porque|por favor|"
    r"manana|hoy|ahora|necesito|necesitamos|para|con|who|which|if|si|is|are|es|son|"
    r"need|needs|hay|there|has|have|tiene|tienen|sin|no)\b",
    re.I,
)
_NOT_PLACES = re.compile(
    r"^(?:the morning|the afternoon|the evening|the night|the way|a bit|a while|a minute|"
    r"\d+ ?(?:min|mins|minutes|hours?|hrs?|days?|pm|am)|time|need|my way|la manana|la tarde|"
    r"la noche|camino|casa|home|house|bed|pain|trouble|danger|minutos|horas|un rato|"
    r"the house|my house|my home|mi casa|la casa|nuestra casa|our house|here|aqui|este|esta|"
    r"cuanto|serio|general|total|todo|nada|favor|ayuda|help|it|that|this|a|an|the|"
    r"english|espanol|spanish|ingles)$",
    re.I,
)
# One lower-case word after "in" / "from" ("in brownsville", "from flatbush") is a place
# unless it is one of these.
_NOT_ONE_WORD_PLACE = frozenset(
    _split(
        "need pain trouble danger time bed english spanish person line front there here "
        "general total case order advance public private charge touch shock tears debt labor "
        "school church hospital prison jail quarantine isolation recovery treatment casa cama "
        "camino serio general todo verdad realidad efectivo linea persona espanol ingles "
        "silla calle cuarentena trabajo dolor peligro problemas espera surgery work chemo "
        "dialysis covid illness injury stroke accident rehab"
    )
)
_ONE_WORD = re.compile(r"\b(?:in|from|en|desde)\s+([a-z]{5,})\b(?=\s*(?:$|[,.;!?\n]|\s+\w+))")
_GENERIC = re.compile(r"^(?:the|a|an|la|el|los|las|my|mi)\s+\w+$", re.I)


def _latlng(text: str) -> str | None:
    for m in _LATLNG.finditer(text):
        lat, lng = float(m.group(1)), float(m.group(2))
        if -90 <= lat <= 90 and -180 <= lng <= 180:
            return f"{m.group(1)},{m.group(2)}"
    return None


def _tidy(phrase: str) -> str:
    return re.sub(r"\s+", " ", phrase).strip(" \t,;:-.!?¡¿")


def _named(text: str) -> str | None:
    """A place after a preposition: kept when it names a landmark or a street, or looks
    like a proper place name ("in bizoton 53", "en Carrefour")."""
    for m in _NEAR.finditer(text):
        rest = text[m.end() :]
        end = _PHRASE_END.search(" " + rest)
        phrase = _tidy(rest[: max(0, end.start() - 1)] if end else rest)
        words = phrase.split()
        if not words or len(words) > 7 or _NOT_PLACES.match(phrase):
            continue
        preposition = m.group(0).strip().lower()
        if _LANDMARK.search(phrase) and not _GENERIC.match(phrase):
            return phrase
        if _LANDMARK.search(phrase) and preposition not in ("in", "on", "at", "en", "por"):
            return phrase  # "near the church": a landmark, even if generic
        proper = words[0][:1].isupper() and words[0].lower() not in ("i", "my", "the")
        named_number = len(words) == 2 and words[0].isalpha() and words[1].isdigit()
        if preposition in ("in", "en", "near", "cerca de", "cerca", "around", "por") and (
            proper or named_number
        ):
            return phrase
    for m in _ONE_WORD.finditer(text):
        word = m.group(1)
        rest = text[m.end() :]
        ends = not rest.strip() or _PHRASE_END.match(" " + rest.lstrip(" "))
        if ends and word.lower() not in _NOT_ONE_WORD_PLACE and not word.endswith("ing"):
            return word
    return None


def find_place(text: str) -> str | None:
    """The place a text names, as the person wrote it, or None."""
    if not text:
        return None
    if found := _latlng(text):
        return found
    if m := _ZIP.search(text):
        return m.group(1)
    if m := _ADDRESS.search(text):
        return _tidy(m.group(0))
    corner = _CORNER.search(text)
    cross = _CROSS.search(text, corner.end() if corner else 0)
    named = cross and (corner or re.search(r"\b" + _SUFFIX + r"\b", cross.group(0), re.I))
    if cross and named and not _NOT_PLACES.match(cross.group(1).strip()):
        return f"{_tidy(cross.group(1))} & {_tidy(cross.group(2))}"
    if m := _SPANISH_STREET.search(text):
        phrase = m.group(0)
        end = _PHRASE_END.search(" " + phrase)
        return _tidy(phrase[: max(0, end.start() - 1)] if end else phrase) or None
    return _named(text)
