"""Shared pieces of the API's shapes: cleaned text, category keys, the stored words as
the API spells them, and the request/response base classes."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from mutualaid import categories
from mutualaid.models.needs import CONTACT_PREFERENCES, STATUSES, URGENCIES
from mutualaid.models.offers import OFFER_ACTIVE, OFFER_PAUSED, OFFER_STATUSES

MAX_ID = 2**31 - 1  # ids are 32-bit integers in both databases


def _clean_text(value: str) -> str:
    """Text the databases can store: no NUL (PostgreSQL refuses it), no lone surrogates."""
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("must be valid Unicode text") from None
    return value


Text = Annotated[str, AfterValidator(_clean_text)]

# Admins add categories at run time (mutualaid.categories): responses only fix the key's
# shape; requests also check the key exists, and the domain that a new need or offer names an
# active category.
CategoryKey = Annotated[
    str, Field(pattern=r"^[a-z_]{2,30}$", examples=[categories.seed_categories()[0].key])
]


def _known_category(value: str) -> str:
    if categories.get(value) is None:
        raise ValueError("unknown category: see GET /categories")
    return value


KnownCategory = Annotated[CategoryKey, AfterValidator(_known_category)]
if TYPE_CHECKING:  # mypy cannot read Literal[<a tuple>]: to it these words are plain str
    Urgency = str
    ContactPreference = str
    NeedStatus = str
    OfferStatus = str
    OfferStatusIn = str
else:  # Literal[<the model's tuple>]: one source of truth, which pydantic validates
    Urgency = Literal[URGENCIES]
    ContactPreference = Literal[CONTACT_PREFERENCES]
    NeedStatus = Literal[STATUSES]
    OfferStatus = Literal[OFFER_STATUSES]
    OfferStatusIn = Literal[OFFER_ACTIVE, OFFER_PAUSED]
# Stored words as the API spells them (serialize.py narrows the str columns to these).
LocationStatus = Literal["ok", "pending", "failed", "none"]
PodStatus = Literal["forming", "active", "resolved", "dissolved"]
PodRole = Literal["member", "staff", "invited"]
Role = Literal["neighbor", "coordinator", "admin"]


class _In(BaseModel):
    """Request bodies are strict (issue 16): a number must be a JSON number (an integer is
    fine where a decimal is expected), never ``false`` or ``"3"``; a boolean must be
    ``true``/``false``. Query strings, which are text, are parsed with ``strict=False``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class _Out(BaseModel):
    model_config = ConfigDict(allow_inf_nan=False)
