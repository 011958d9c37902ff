"""Categories of needs and offers.

Owns the list (keys, English/Spanish names, synonyms, default people needed) and the lookup
that turns what a person typed ("comida", "ride", "grocries") into a category key. The SMS
parser reuses :func:`resolve`.

The list lives in the ``categories`` table, which admins edit (mutualaid.admin_settings);
``config/categories.toml`` is its seed (the migration and ``flask demo`` copy it in) and the
fallback outside an app context (the i18n tools, import-time schemas). Inside an app context
the table is read once per request or task (cached on ``flask.g``). A deactivated category
keeps its names for old needs and offers (:func:`get`, :func:`name_of`), but is no longer
offered: not in :func:`choices`, the SMS menu (:func:`active_categories`) or :func:`resolve`.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import g, has_app_context
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.i18n import current_language
from mutualaid.models import CategoryRow
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
    active: bool = True

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
def seed_categories() -> tuple[Category, ...]:
    """config/categories.toml: the seed of the table and the fallback without a database."""
    return load_categories()


@dataclass(frozen=True)
class _Catalog:
    every: tuple[Category, ...]

    @functools.cached_property
    def by_key(self) -> dict[str, Category]:
        return {c.key: c for c in self.every}

    @functools.cached_property
    def active(self) -> tuple[Category, ...]:
        return tuple(c for c in self.every if c.active)

    @functools.cached_property
    def terms(self) -> dict[str, str]:
        """Every folded word people might type, mapped to an active category's key."""
        return _term_map(self.active)

    @functools.cached_property
    def all_terms(self) -> dict[str, str]:
        return _term_map(self.every)


def _term_map(cats: Iterable[Category]) -> dict[str, str]:
    terms: dict[str, str] = {}
    for c in cats:
        for term in (c.key, c.en, c.es, *c.synonyms):
            terms.setdefault(fold(term), c.key)
    return terms


@functools.cache
def _seed_catalog() -> _Catalog:
    return _Catalog(seed_categories())


def _catalog() -> _Catalog:
    if not has_app_context():
        return _seed_catalog()
    cached: _Catalog | None = g.get("_categories")
    if cached is None:
        rows = db.session.scalars(
            select(CategoryRow).order_by(CategoryRow.position, CategoryRow.key)
        ).all()
        cached = _Catalog(tuple(map(from_row, rows))) if rows else _seed_catalog()
        g._categories = cached
    return cached


def forget_cached() -> None:
    """Drop this request's copy of the list (after an admin changed it)."""
    if has_app_context():
        g.pop("_categories", None)


def from_row(row: CategoryRow) -> Category:
    return Category(
        key=row.key,
        en=row.name_en,
        es=row.name_es,
        people_needed=row.people_needed,
        synonyms=tuple(row.synonyms or ()),
        active=row.active,
    )


def all_categories() -> tuple[Category, ...]:
    """Every category, deactivated ones included, in form order."""
    return _catalog().every


def active_categories() -> tuple[Category, ...]:
    """The categories offered for new needs and offers (forms, SMS menu, imports)."""
    return _catalog().active


def keys() -> tuple[str, ...]:
    return tuple(c.key for c in all_categories())


def get(key: str) -> Category | None:
    return _catalog().by_key.get(key)


def is_offered(key: str) -> bool:
    category = get(key)
    return category is not None and category.active


def name_of(key: str, language: str | None = "en") -> str:
    category = get(key)
    return category.name(language) if category else key


def label(key: str) -> str:
    """The category's name in the language being rendered now (a page's, or an SMS
    recipient's under ``in_language``): the one way pages, notices and texts name one."""
    return name_of(key, current_language())


def default_people_needed(key: str) -> int:
    category = get(key)
    return category.people_needed if category else 1


def choices(language: str | None = "en", *, keep: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(key, name) of the active categories, plus those in ``keep`` (a record's own)."""
    kept = set(keep)
    return [(c.key, c.name(language)) for c in all_categories() if c.active or c.key in kept]


def resolve(text: str, *, include_inactive: bool = False) -> str | None:
    """The category key for what someone typed, or None when nothing is close enough.

    Tries an exact match on key, names and synonyms (any language, accents ignored), then
    the singular, then a spelling-tolerant close match ("grocries", "transprt"). Only
    active categories, unless ``include_inactive`` (re-imports of existing records).
    """
    catalog = _catalog()
    return resolve_in(catalog.all_terms if include_inactive else catalog.terms, text)


def terms() -> Mapping[str, str]:
    """Every folded word people might type, mapped to an active category's key (this
    request's list): what the SMS parser is given."""
    return _catalog().terms


def seed_terms() -> Mapping[str, str]:
    """The same for the seed list (config/categories.toml): no database."""
    return _seed_catalog().terms


def resolve_in(terms: Mapping[str, str], text: str) -> str | None:
    """:func:`resolve` against a given vocabulary; pure (the SMS parser's way)."""
    word = fold(text)
    if not word:
        return None
    for candidate in (word, word.rstrip("s"), word.removesuffix("es")):
        if candidate in terms:
            return terms[candidate]
    close = difflib.get_close_matches(word, list(terms), n=1, cutoff=0.8)
    return terms[close[0]] if close else None
