"""The forgiving SMS parser: one pure function, :func:`parse`, from a text to a typed
:class:`Command`. No database, no network, never raises.

Forgiving means: any case, extra spaces and punctuation, emoji, English and Spanish command
words and their common misspellings ("NEDD", "ofer", "sí", "LISTO"), a leading "I" / "hi" /
"hola" before NEED and OFFER, categories from the vocabulary the caller passes (``terms``:
``mutualaid.categories.terms()``; the seed list when none is given), a code
anywhere in YES / NO / DONE / LEAVE (candidates are returned; the conversation layer keeps
the one that names a real invitation or pod), ``<where>`` as a ZIP code, an address or
``lat,lng``, and a note after the code ("YES A7K in 2 hours").
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from mutualaid import categories
from mutualaid.settings import KM_PER_MILE
from mutualaid.sms.vocabulary import (  # noqa: F401  (re-exported: c.NEED etc.)
    _CODE,
    CANCEL,
    CODE_CHARS,
    DONE,
    EMPTY,
    FILLERS,
    FUZZY_WORDS,
    HELP,
    LANG,
    LANGUAGE_OF,
    LANGUAGE_WORDS,
    LEAVE,
    MAX_INPUT,
    NAME,
    NEED,
    NO,
    NOT_CODES,
    OFFER,
    OPT_IN,
    OPT_IN_WORDS,
    OPT_OUT,
    OPT_OUT_WORDS,
    PAUSE,
    RESUME,
    STATUS,
    TEXT,
    WORDS,
    YES,
)

_LATLNG = re.compile(r"(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)")
_ZIP = re.compile(r"\b(\d{5}(?:-\d{4})?)\b")
_RADIUS = re.compile(
    r"(?:within\s+|radius\s+|hasta\s+)?(\d{1,3}(?:[.,]\d+)?)\s*"
    r"(km|kms|kilometers?|kilometres?|kil[oó]metros?|mi|mile|miles|millas?)\b",
    re.IGNORECASE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_ADDRESS_END = re.compile(r"[;\n]|\s-\s|\.\s|:\s")
_WHERE_PREFIX = re.compile(r"^(?:near|at|in|around|en|cerca\s+de|por)\s+", re.IGNORECASE)
_TAGGED = re.compile(
    r"^\s*(?:[\[(]\s*([A-Za-z0-9]{3,4})\s*[\])]\s*[:>-]?|([A-Za-z0-9]{3,4})\s*[:>-])\s*(.+)$",
    re.DOTALL,
)


@dataclass(frozen=True)
class Command:
    kind: str
    text: str  # the whole (cleaned) message
    rest: str = ""  # what followed the command word
    code: str | None = None  # best guess of the code named in the text
    codes: tuple[str, ...] = ()  # every code-shaped word, best first
    category: str | None = None
    categories: tuple[str, ...] = ()
    where: str | None = None
    details: str = ""
    radius_km: float | None = None
    note: str = ""
    language: str | None = None
    people: int | None = None  # NEED ... "2 people": how many helpers
    name: str = ""  # NAME Maria

    def note_without(self, code: str | None) -> str:
        """``rest`` with ``code`` taken out: the note of "YES A7K in 2 hours"."""
        if not code:
            return tidy(self.rest)
        pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z0-9])", re.I)
        return tidy(pattern.sub(" ", self.rest, count=1))


def fold(text: str) -> str:
    """Lower case, accents removed (ñ -> n), anything else than letters and digits dropped."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "", plain)


def tidy(text: str) -> str:
    """Strip spaces and the punctuation people put between parts (",", "-", ":")."""
    return re.sub(r"\s+", " ", text or "").strip(" \t,;:-.!?¡¿")


def clean(text: str) -> str:
    """Normalise the raw body: NFKC, ASCII quotes and spaces, cut to MAX_INPUT."""
    text = unicodedata.normalize("NFKC", text or "")[:MAX_INPUT]
    for a, b in (("\u2018", "'"), ("\u2019", "'"), ("\u201c", '"'), ("\u201d", '"')):
        text = text.replace(a, b)
    text = _CONTROL.sub("", text)  # NUL and other controls: PostgreSQL refuses NUL in text
    return text.replace("\u00a0", " ").replace("\u200b", "").strip()


def word_kind(word: str) -> str | None:
    """The command a (folded) first word stands for, with a close-spelling fallback."""
    if not word:
        return None
    if word in WORDS:
        return WORDS[word]
    if word == "cancel":  # alone it is an opt-out word (caught before); "CANCEL A7K" is not
        return CANCEL
    if len(word) >= 5:
        close = difflib.get_close_matches(word, FUZZY_WORDS, n=1, cutoff=0.85)
        if close:
            return WORDS[close[0]]
    return None


def _words(text: str) -> list[re.Match]:
    return list(_WORD.finditer(text))


def code_candidates(text: str) -> tuple[str, ...]:
    """Code-shaped words, best first: with a digit, then typed in capitals, then the rest
    (common English words made only of code letters come last)."""
    found: list[tuple[int, int, str]] = []
    for i, m in enumerate(_words(text)):
        raw = m.group(0)
        token = raw.upper()
        if not _CODE.match(token):
            continue
        has_digit = any(c.isdigit() for c in token)
        # "379" is a code too, but a bare number is usually just a number; "car" may be a
        # code, but is usually a word: both rank last, and only a real code is ever used.
        rank = 3 if token.isdigit() else (0 if has_digit else (1 if raw.isupper() else 2))
        if not has_digit and raw.lower() in NOT_CODES:
            rank = 1 if raw.isupper() else 4
        found.append((rank, i, token))
    seen: list[str] = []
    for _rank, _i, token in sorted(found):
        if token not in seen:
            seen.append(token)
    return tuple(seen)


def best_code(codes: tuple[str, ...]) -> str | None:
    """The likeliest code: not a common word typed in lower case."""
    return next((k for k in codes if k.lower() not in NOT_CODES), None)


def split_categories(
    text: str, *, many: bool, terms: Mapping[str, str] | None = None
) -> tuple[tuple[str, ...], str]:
    """Categories at the start of ``text`` (one, or several for offers: "rides, groceries"),
    and what follows them. ``terms``: the category vocabulary (default: the seed list)."""
    vocabulary = terms if terms is not None else categories.seed_terms()
    found: list[str] = []
    rest = text
    while True:
        rest = re.sub(r"^(?:\s|,|/|&|\+|\band\b|\by\b|\bor\b|\bo\b)+", "", rest, flags=re.I)
        words = _words(rest)
        hit = None
        for n in (3, 2, 1):
            if len(words) < n:
                continue
            phrase = rest[: words[n - 1].end()]
            if any(c.isdigit() for c in phrase):
                continue
            key = categories.resolve_in(vocabulary, phrase)
            if key is not None:
                hit = (key, words[n - 1].end())
                break
        if hit is None:
            break
        if hit[0] not in found:
            found.append(hit[0])
        rest = rest[hit[1] :]
        if not many:
            break
    return tuple(found), rest


def split_where(text: str) -> tuple[str | None, str]:
    """(where, details) from what follows the category: a lat,lng pair, a ZIP code, or an
    address that starts with a house number (it ends at ";", " - ", ". " or a new line)."""
    text = tidy(text)
    if not text:
        return None, ""
    body = _WHERE_PREFIX.sub("", text)
    m = _LATLNG.search(body)
    if m and m.start() <= 3:
        lat, lng = float(m.group(1)), float(m.group(2))
        if -90 <= lat <= 90 and -180 <= lng <= 180:
            return f"{m.group(1)},{m.group(2)}", tidy(body[m.end() :])
    m = _ZIP.match(body)
    if m:  # "11211 milk, bread" (a ZIP first is a ZIP, not a house number)
        return m.group(1), tidy(body[m.end() :])
    if re.match(r"^\d{1,6}[A-Za-z]?\s+[^\W\d_]", body):  # "123 Main St, Brooklyn; milk"
        end = _ADDRESS_END.search(body)
        if end is None:
            return tidy(body), ""
        return tidy(body[: end.start()]), tidy(body[end.end() :])
    m = _ZIP.search(body)
    if m:
        return m.group(1), tidy(body[: m.start()] + " " + body[m.end() :])
    if m := _LATLNG.search(body):
        lat, lng = float(m.group(1)), float(m.group(2))
        if -90 <= lat <= 90 and -180 <= lng <= 180:
            where = f"{m.group(1)},{m.group(2)}"
            return where, tidy(body[: m.start()] + " " + body[m.end() :])
    return None, text


def _radius(text: str) -> tuple[float | None, str]:
    m = _RADIUS.search(text)
    if not m:
        return None, text
    value = float(m.group(1).replace(",", "."))
    if m.group(2).lower().startswith(("mi", "mil")) and not m.group(2).lower().startswith("kil"):
        value *= KM_PER_MILE
    return round(value, 1), tidy(text[: m.start()] + " " + text[m.end() :])


_PEOPLE = re.compile(
    r"\b(?:for\s+|para\s+)?(\d{1,2})\s*(?:people|persons|helpers|neighbors|neighbours|"
    r"personas|vecinos|ayudantes)\b",
    re.IGNORECASE,
)
_NAME = re.compile(
    r"^\s*(?:my\s+name\s+is|name|me\s+llamo|mi\s+nombre\s+es|nombre)"
    r"\s*[:,-]?\s+([^\W\d_][\w'.-]*(?:\s+[^\W\d_][\w'.-]*)?)\s*[.!]?\s*$",
    re.IGNORECASE | re.UNICODE,
)


def _need(text: str, rest: str, terms: Mapping[str, str] | None) -> Command:
    cats, after = split_categories(rest, many=False, terms=terms)
    where, details = split_where(after)
    if not cats and where is None and rest:
        details = tidy(rest)  # "NEED help with my cat" -> ask for the category
    people = None
    m = _PEOPLE.search(details)
    if m and categories.MIN_PEOPLE <= int(m.group(1)) <= categories.MAX_PEOPLE:
        people = int(m.group(1))
        details = tidy(details[: m.start()] + " " + details[m.end() :])
    return Command(
        NEED,
        text,
        rest,
        category=cats[0] if cats else None,
        categories=cats,
        where=where,
        details=details[:MAX_INPUT],
        people=people,
    )


def where_and_radius(
    text: str, radius: float | None = None
) -> tuple[str | None, float | None, str]:
    """(where, radius_km, rest) of an offer's place: "11211 3 miles", "11211 5km",
    "11211 5 kilómetros", or "11211 5" (a bare number after the place is km). Miles become
    km; ``radius``: one already found in the text (then only the place is split off)."""
    if radius is None:
        radius, text = _radius(text)
    where, extra = split_where(text)
    if radius is None and where is not None:
        m = re.match(r"^(\d{1,2}(?:[.,]\d)?)\b", extra)
        if m:  # "OFFER rides 11211 5": a bare number after the place is the radius
            radius = float(m.group(1).replace(",", "."))
            extra = tidy(extra[m.end() :])
    return where, radius, extra


def _offer(text: str, rest: str, terms: Mapping[str, str] | None) -> Command:
    radius, rest_wo_radius = _radius(rest)
    cats, after = split_categories(rest_wo_radius, many=True, terms=terms)
    where, radius, extra = where_and_radius(after, radius)
    return Command(
        OFFER,
        text,
        rest,
        category=cats[0] if cats else None,
        categories=cats,
        where=where,
        details=extra[:MAX_INPUT],
        radius_km=radius,
    )


def _language(rest: str) -> str | None:
    for m in _words(rest):
        code = LANGUAGE_OF.get(fold(m.group(0)))
        if code:
            return code
    return None


def parse(body: str | None, terms: Mapping[str, str] | None = None) -> Command:
    """Turn a text into a Command. Pure and total: any input gives a Command. ``terms``:
    the category vocabulary (``mutualaid.categories.terms()``; default: the seed list)."""
    try:
        return _parse(body, terms)
    except Exception:  # pragma: no cover - the property tests look for this
        return Command(TEXT, clean(body or "") if isinstance(body, str) else "")


def _parse(body: str | None, terms: Mapping[str, str] | None) -> Command:
    text = clean(body or "")
    words = _words(text)
    if not words:
        return Command(EMPTY, text)
    whole = fold(text)
    if whole in OPT_OUT_WORDS:
        return Command(OPT_OUT, text)
    if whole in OPT_IN_WORDS:
        return Command(OPT_IN, text)
    if whole in LANGUAGE_OF and len(words) <= 2 and whole not in ("en", "es"):
        return Command(LANG, text, language=LANGUAGE_OF[whole])  # "Español", "English"
    if whole in ("nevermind", "forgetit", "nevermindthat", "olvidalo", "dejalo"):
        return Command(CANCEL, text)

    named = _NAME.match(text) if len(words) <= 6 else None
    if named and word_kind(fold(named.group(1).split()[0])) is None:
        return Command(NAME, text, name=named.group(1).strip()[:60])

    tagged = _TAGGED.match(text)
    tag = (tagged.group(1) or tagged.group(2)) if tagged else None
    if (
        tagged is not None
        and tag
        and _CODE.match(tag.upper())
        and (word_kind(fold(tag)) is None or any(ch.isdigit() for ch in tag))
    ):
        code = tag.upper()
        return Command(TEXT, text, tidy(tagged.group(3)), code=code, codes=(code,))

    first = words[0]
    kind = word_kind(fold(first.group(0)))
    start = 0
    if kind is None:  # "I need ...", "Hola, necesito ...", "hi! can I OFFER rides"
        for i, m in enumerate(words[:3]):
            if fold(m.group(0)) not in FILLERS:
                candidate = word_kind(fold(m.group(0)))
                if i > 0 and candidate in (NEED, OFFER):
                    kind, first, start = candidate, m, i
                break
    if (
        kind is None
        and len(words) >= 2
        and fold(words[0].group(0)) == "can"
        and fold(words[1].group(0)) in ("help", "ayudar")
    ):  # "can help A7K"
        kind, first = YES, words[1]
    rest = text[first.end() :] if kind is not None else ""
    if kind in (NEED, OFFER) and start > 0:
        cats, _after = split_categories(rest, many=kind == OFFER, terms=terms)
        if not cats:
            kind = None  # "hi I need the address" is a message, not a new need
    if kind is None:
        codes = code_candidates(text)
        return Command(TEXT, text, text, code=best_code(codes), codes=codes)

    rest = tidy(rest)
    if kind == NEED:
        return _need(text, rest, terms)
    if kind == OFFER:
        return _offer(text, rest, terms)
    if kind == LANG:
        return Command(LANG, text, rest, language=_language(rest))
    if kind == HELP and rest:
        # "help me, I need food 11211" is a request in words; "HELP" alone is help.
        inner = _parse(rest, terms)
        if inner.kind == NEED:
            return inner
        codes = code_candidates(text)
        return Command(TEXT, text, text, code=best_code(codes), codes=codes)
    if kind in (YES, NO, DONE, LEAVE, CANCEL, STATUS, PAUSE, RESUME, HELP):
        codes = code_candidates(rest)
        code = best_code(codes)
        cmd = Command(kind, text, rest, code=code, codes=codes)
        return Command(kind, text, rest, code=code, codes=codes, note=cmd.note_without(code))
    return Command(kind, text, rest)  # pragma: no cover - every kind is handled above
