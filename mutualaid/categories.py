"""Categories of needs and offers, read from ``config/categories.toml``.

Owns the list (keys, English/Spanish names, synonyms, default people needed) and the lookup
that turns what a person typed ("comida", "ride", "grocries") into a category key. The SMS
parser reuses :func:`resolve`.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from mutualaid.settings import PROJECT_ROOT

CATEGORIES_FILE = PROJECT_ROOT / "config" / "categories.toml"
MIN_PEOPLE, MAX_PEOPLE = 1, 15


class CategoryConfigError(RuntimeError):
    """config/categories.toml is malformed; the message names the entry."""


@dataclass(frozen=True)
class Category:
    key: str
    en: str
    es: str
    people_needed: int
    synonyms: tuple[str, ...]

    def name(self, language: str | None = "en") -> str:
        return self.es if language == "es" else self.en


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces, whitespace collapsed."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return re.sub(r"\s+", " ", re.sub(r"[^a-z0-9]+", " ", plain)).strip()


def load_categories(path: Path = CATEGORIES_FILE) -> tuple[Category, ...]:
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    out = []
    for key, entry in raw.items():
        if not re.fullmatch(r"[a-z_]{2,30}", key):
            raise CategoryConfigError(f"{path.name}: bad category key {key!r}")
        try:
            people = int(entry.get("people_needed", 1))
            category = Category(
                key=key,
                en=str(entry["en"]),
                es=str(entry["es"]),
                people_needed=people,
                synonyms=tuple(str(s) for s in entry.get("synonyms", [])),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise CategoryConfigError(f"{path.name}: [{key}] is missing or has bad {exc}") from None
        if not MIN_PEOPLE <= people <= MAX_PEOPLE:
            raise CategoryConfigError(f"{path.name}: [{key}] people_needed must be 1 to 15")
        out.append(category)
    if not out:
        raise CategoryConfigError(f"{path.name} defines no categories")
    return tuple(out)


@functools.cache
def all_categories() -> tuple[Category, ...]:
    return load_categories()


def keys() -> tuple[str, ...]:
    return tuple(c.key for c in all_categories())


def get(key: str) -> Category | None:
    return next((c for c in all_categories() if c.key == key), None)


def name_of(key: str, language: str | None = "en") -> str:
    category = get(key)
    return category.name(language) if category else key


def default_people_needed(key: str) -> int:
    category = get(key)
    return category.people_needed if category else 1


def choices(language: str | None = "en") -> list[tuple[str, str]]:
    return [(c.key, c.name(language)) for c in all_categories()]


@functools.cache
def _terms() -> dict[str, str]:
    """Every folded word people might type, mapped to its category key."""
    terms: dict[str, str] = {}
    for c in all_categories():
        for term in (c.key, c.en, c.es, *c.synonyms):
            terms.setdefault(fold(term), c.key)
    return terms


def resolve(text: str) -> str | None:
    """The category key for what someone typed, or None when nothing is close enough.

    Tries an exact match on key, names and synonyms (any language, accents ignored), then
    the singular, then a spelling-tolerant close match ("grocries", "transprt").
    """
    word = fold(text)
    if not word:
        return None
    terms = _terms()
    for candidate in (word, word.rstrip("s"), word.removesuffix("es")):
        if candidate in terms:
            return terms[candidate]
    close = difflib.get_close_matches(word, list(terms), n=1, cutoff=0.8)
    return terms[close[0]] if close else None
