"""What a text means, read the way a person means it (issue 18): the intent (a request, an
offer, yes or no in words, chat for a group, a question, thanks, or something else) and the
slots (every category mentioned, where, when as an urgency, how many people), plus whether
it shows signs of an emergency. Pure: no database, no network, never raises.

Rules and lexicons (``mutualaid.sms.lexicon``), not a trained model: docs/decisions.md says
why. The reading is context-free; ``mutualaid.sms.meaning`` decides with the person's
context (a pending invitation, a seat in a group, a question in progress) what to do.
The strict command grammar stays in ``mutualaid.sms.commands``; this module reads it too.
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from mutualaid import categories
from mutualaid.sms import commands as c
from mutualaid.sms import cues
from mutualaid.sms import lexicon as lx
from mutualaid.sms.places import find_place

log = logging.getLogger(__name__)

REQUEST = "request"
OFFER = "offer"
YES = "yes"
NO = "no"
GROUP = "group"
QUESTION = "question"
THANKS = "thanks"
OTHER = "other"
INTENTS = (REQUEST, OFFER, YES, NO, GROUP, QUESTION, THANKS, OTHER)

# Category words of the admin's list too common in free text to mean that category.
_TOO_COMMON = frozenset(
    """otro otra general casa home call talk friend house mail plato viaje
    llevar car coche health visit compra""".split()  # noqa: SIM905
)
_FUZZY_MIN = 6


@dataclass(frozen=True)
class Reading:
    intent: str
    categories: tuple[str, ...] = ()
    where: str | None = None
    when: str | None = None  # an urgency key (now, today, week, flexible)
    when_text: str = ""  # the words that said it ("tomorrow morning")
    people: int | None = None  # how many people the text speaks of ("family of 5")
    emergency: bool = False
    language: str | None = None  # "es" when the text reads as Spanish

    @property
    def asks_for_help(self) -> bool:
        return self.intent == REQUEST or self.emergency


def fold(text: str) -> str:
    """Lower case, accents removed, apostrophes dropped, other punctuation as spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    plain = re.sub(r"['\u2019`]", "", plain)
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9]+", " ", plain)).strip()


def emergency_in(folded: str) -> bool:
    return bool(lx.EMERGENCY.search(folded)) and not (
        lx.NOT_EMERGENCY.search(folded) and len(lx.EMERGENCY.findall(folded)) <= 1
    )


@functools.lru_cache(maxsize=4096)
def _close_term(word: str, vocabulary: tuple[str, ...]) -> str | None:
    close = difflib.get_close_matches(word, vocabulary, n=1, cutoff=0.86)
    return close[0] if close else None


def categories_in(folded: str, terms: Mapping[str, str]) -> tuple[str, ...]:
    """Every category the text mentions, in the order mentioned: the admin's names and
    synonyms (one to three words, a plural, a close spelling of a long word) and the
    lexicon's cue words, kept only for active categories. A longer phrase wins over the
    words inside it ("comida caliente" is a meal, not groceries); a category named only by
    a weak word ("my kids", "the doctor") comes after the others."""
    active = set(terms.values())
    text = " ".join(cues.NOT_CATEGORY.sub(" ", folded).split())
    words = text.split()
    hits: list[tuple[int, int, str, bool]] = []  # start, end, key, weak
    vocabulary = tuple(t for t in terms if len(t) >= _FUZZY_MIN)
    offset = 0
    for i, word in enumerate(words):
        for n in (3, 2, 1):
            chunk = words[i : i + n]
            phrase = "".join(chunk)
            if len(chunk) < n or phrase in _TOO_COMMON:
                continue
            key = next(
                (
                    terms[k]
                    for k in (phrase, phrase.rstrip("s"), phrase.removesuffix("es"))
                    if k in terms and k not in _TOO_COMMON
                ),
                None,
            )
            if key is None and n == 1 and len(word) >= _FUZZY_MIN and not word.isdigit():
                close = _close_term(word, vocabulary)
                key = terms[close] if close is not None else None
            if key is not None:
                end = offset + len(" ".join(chunk))
                hits.append((offset, end, key, n == 1 and word in cues.WEAK_CUES))
                break
        offset += len(word) + 1
    for m in cues.CATEGORY_CUE_PATTERN.finditer(text):
        key = cues.CATEGORY_CUES[m.group(0)]
        if key in active:
            hits.append((m.start(), m.end(), key, m.group(0) in cues.WEAK_CUES))
    kept: list[tuple[int, int, str, bool]] = []
    for hit in sorted(hits, key=lambda h: (h[0], h[0] - h[1])):
        if not any(k[0] <= hit[0] and hit[1] <= k[1] and k != hit for k in kept):
            kept.append(hit)
    strong = list(dict.fromkeys(h[2] for h in kept if not h[3]))
    weak = list(dict.fromkeys(h[2] for h in kept if h[3]))
    # An errand ("pick up my meds") is named by what it is for; "other" says nothing when a
    # real category is there.
    specific = [k for k in strong if k not in ("errands", "other")]
    ordered = specific + [k for k in strong if k == "errands"]
    if not ordered and "other" in strong:
        ordered = ["other"]
    ordered += [k for k in weak if k not in ordered]
    if len(ordered) > 1 and "other" in ordered[1:]:
        ordered.remove("other")
    return tuple(ordered)


def when_in(folded: str) -> tuple[str | None, str]:
    """(urgency key, the words) for the first time phrase; the most urgent wins."""
    text = folded
    best: tuple[int, str, str] | None = None
    for rank, (key, pattern) in enumerate(cues.WHEN):
        scan = cues.SPANISH_MORNING.sub(" ", text) if key == "week" else text
        m = pattern.search(scan)
        if m and (best is None or rank < best[0]):
            best = (rank, key, m.group(0))
    if best is None:
        return None, ""
    _rank, key, words = best
    part = re.search(
        rf"\b{re.escape(words)}(?: (?:morning|afternoon|evening|night|am|pm|en la manana|"
        r"por la manana|en la tarde|por la tarde|en la noche|por la noche))?\b",
        text,
    )
    return key, (part.group(0) if part else words)


def as_written(text: str, folded_words: str) -> str:
    """The words of ``text`` that fold to ``folded_words`` ("mañana" for "manana"), as the
    person wrote them; ``folded_words`` itself when they cannot be found."""
    if not folded_words:
        return ""
    parts = ["".join(_letter(ch) for ch in word) for word in folded_words.split()]
    m = re.search(r"\b" + r"[\W_]+".join(parts) + r"\b", text, re.IGNORECASE)
    return m.group(0) if m else folded_words


def _letter(ch: str) -> str:
    """A folded letter and the accented letters that fold to it, apostrophes allowed."""
    variants = {"a": "aáàä", "e": "eéèë", "i": "iíìï", "o": "oóòö", "u": "uúùü", "n": "nñ"}
    return f"[{variants.get(ch, re.escape(ch))}]['\u2019]?"


def place_in_answer(text: str) -> str:
    """The place in the answer to "Where?": a ZIP code, an address or lat,lng as the
    command grammar reads it, else a place in words ("we're by the church on grand st" ->
    "the church on grand st"), else the whole answer."""
    where, _rest = c.split_where(text)
    return where or find_place(c.clean(text)) or c.tidy(text)


def not_a_place(text: str, terms: Mapping[str, str] | None = None) -> bool:
    """Is this answer to "Where?" clearly not a place: a yes, no or thanks ("yes", "ok",
    "si", "gracias!") with no digit and no place in words? Such an answer is asked again
    instead of being looked up (a look-up of "yes" finds nothing, or something wrong)."""
    if any(ch.isdigit() for ch in text) or find_place(c.clean(text)):
        return False
    return read(text, terms).intent in (YES, NO, THANKS)


def people_in(folded: str) -> int | None:
    m = cues.PEOPLE.search(folded)
    if not m:
        return None
    raw = m.group(1)
    value = int(raw) if raw.isdigit() else cues.NUMBER_WORDS.get(raw)
    return value if value and 1 <= value <= 99 else None


def language_of(folded: str) -> str | None:
    words = folded.split()
    spanish = sum(1 for w in words if w in cues.SPANISH_MARKERS)
    return "es" if words and spanish >= max(2, len(words) // 4) else None


def _blank(pattern: re.Pattern[str], text: str) -> str:
    """``text`` with what ``pattern`` matches blanked out (same length)."""
    return pattern.sub(lambda m: " " * len(m.group(0)), text)


def _intent(text: str, folded: str, cmd: c.Command, cats: tuple[str, ...], where: str | None,
            when: str | None) -> str:  # fmt: skip
    if cmd.kind == c.NEED and cmd.categories and fold(cmd.text).startswith(("need", "nec")):
        return REQUEST
    if cmd.kind == c.OFFER:
        return OFFER
    offered_if = lx.OFFER_IF_NEEDED.search(folded)
    others = _blank(lx.OFFER_IF_NEEDED, folded)
    scan = _blank(lx.NOT_REQUEST, others)  # the same length: positions compare
    request = lx.REQUEST.search(scan)
    offer = lx.OFFER.search(_blank(lx.NOT_OFFER, others)) or offered_if
    if request and offer:
        # "I can't help, I need food" vs "I can drive if anyone needs a ride": whichever
        # comes first in the text speaks for the writer.
        first_offer = offer.start() if offer is not offered_if else 10_000
        return OFFER if offered_if or first_offer < request.start() else REQUEST
    if request:
        if lx.YES_START.search(folded) and not cats and lx.GROUP.search(folded):
            return GROUP
        return REQUEST
    if offer:
        return OFFER
    group = lx.GROUP.search(folded)
    words = folded.split()
    thanks = lx.THANKS.search(folded)
    if thanks and words[0] in ("ok", "okay", "k", "oki", "okey") and len(words) <= 6:
        return THANKS  # "ok gracias adios"
    if lx.YES_START.search(folded) and not group and len(words) <= 10:
        return YES
    if lx.NO_WORDS.search(folded) and not group and len(words) <= 12:
        return NO
    if thanks and (len(words) <= 12 or not cats):
        return THANKS
    if group:
        return GROUP
    if cmd.kind == c.NEED:
        return REQUEST
    question = "?" in text or bool(lx.QUESTION_START.search(folded))
    if lx.NEED_WORD.search(scan) and not lx.NOT_MY_NEED.search(folded):
        return REQUEST  # "our windows broke in the storm, need plywood"
    if cats and not question and (where or when or len(words) <= 8):
        return REQUEST  # "food and water pls", "comida y agua en bizoton"
    if question:
        return QUESTION
    return OTHER


def read(body: str | None, terms: Mapping[str, str] | None = None) -> Reading:
    """Read a text. ``terms``: the category vocabulary (``categories.terms()``; the seed
    list when none is given). Total: any input gives a Reading."""
    try:
        return _read(body or "", terms if terms is not None else categories.seed_terms())
    except Exception:  # pragma: no cover - the property test looks for this
        log.exception("could not read a text; treated as other")
        return Reading(OTHER)


def _read(body: str, terms: Mapping[str, str]) -> Reading:
    text = c.clean(body)
    folded = fold(text)
    if not folded:
        return Reading(OTHER)
    cmd = c.parse(text, terms)
    cats = categories_in(folded, terms)
    if cmd.categories:
        cats = tuple(dict.fromkeys(cmd.categories + cats))
    where = cmd.where or find_place(text)
    when, when_text = when_in(folded)
    intent = _intent(text, folded, cmd, cats, where, when)
    return Reading(
        intent=intent,
        categories=cats,
        where=where,
        when=when,
        when_text=when_text,
        people=people_in(folded),
        emergency=emergency_in(folded),
        language=language_of(folded),
    )
