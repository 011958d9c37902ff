"""Composing SMS bodies: GSM-7 vs UCS-2 detection, segment counting, ASCII twins for
characters that force UCS-2 needlessly, and a hard cap on segments per message."""

from __future__ import annotations

from dataclasses import dataclass

# GSM 03.38 basic character set (one septet each) and its extension table (two septets).
GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")

# Characters with an ASCII twin: replacing them keeps a text in GSM-7 (160 chars, not 70).
REPLACEMENTS = {
    "\u2018": "'",  # left single quote
    "\u2019": "'",  # right single quote / apostrophe
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u00a0": " ",  # non-breaking space
    "\u2007": " ",
    "\u2009": " ",
    "\u200a": " ",
    "\u202f": " ",
    "\u200b": "",  # zero-width space
    "\ufeff": "",
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2012": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2026": "...",
    "\u2022": "*",
    "\t": " ",
}

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


@dataclass(frozen=True)
class Composed:
    body: str
    encoding: str  # "GSM-7" or "UCS-2"
    segments: int
    truncated: bool


def normalise_text(text: str) -> str:
    """Replace characters that have an ASCII twin; everything else (accents) is kept."""
    return "".join(REPLACEMENTS.get(ch, ch) for ch in text)


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def _units(text: str, gsm: bool) -> list[int]:
    """Length of each character in septets (GSM-7) or UTF-16 code units (UCS-2)."""
    if gsm:
        return [2 if ch in GSM7_EXTENDED else 1 for ch in text]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in text]


def count_segments(text: str) -> tuple[str, int]:
    """(encoding, segments) as the carrier will bill it. An empty body is one segment."""
    gsm = is_gsm7(text)
    total = sum(_units(text, gsm))
    single, part = (GSM7_SINGLE, GSM7_PART) if gsm else (UCS2_SINGLE, UCS2_PART)
    if total <= single:
        return ("GSM-7" if gsm else "UCS-2"), 1
    return ("GSM-7" if gsm else "UCS-2"), -(-total // part)


def compose(text: str, max_segments: int = 4) -> Composed:
    """Normalise ``text`` and cut it (with an ellipsis) so it fits in ``max_segments``."""
    body = normalise_text(text).strip()
    encoding, segments = count_segments(body)
    if segments <= max_segments:
        return Composed(body, encoding, segments, False)
    gsm = encoding == "GSM-7"
    units = _units(body, gsm)
    budget = (GSM7_PART if gsm else UCS2_PART) * max_segments if max_segments > 1 else None
    if budget is None:
        budget = GSM7_SINGLE if gsm else UCS2_SINGLE
    budget -= 3  # room for "..."
    used, cut = 0, 0
    for i, width in enumerate(units):
        if used + width > budget:
            break
        used += width
        cut = i + 1
    body = body[:cut].rstrip() + "..."
    encoding, segments = count_segments(body)
    return Composed(body, encoding, segments, True)
