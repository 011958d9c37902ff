"""The state of a person's SMS conversation: which question they were asked, what they
already said (a :class:`Conversation` row that expires after ``conversation_minutes`` in
config/sms_conversation.toml), and the small helpers every flow shares (the category menu,
replies cut to two segments). Below the conversation layer and its flows
(``conversation`` -> ``actions``, ``posting``, ``self_service`` -> this module).
"""

from __future__ import annotations

import functools
import tomllib
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid import categories
from mutualaid.i18n import current_language
from mutualaid.models import Person, utcnow
from mutualaid.models.messages import Conversation
from mutualaid.settings import PROJECT_ROOT
from mutualaid.sms import commands as c
from mutualaid.sms.compose import compose

CONFIG_FILE = PROJECT_ROOT / "config" / "sms_conversation.toml"
MAX_REPLY_SEGMENTS = 2

# Conversation states.
NEED_CATEGORY = "need_category"
NEED_WHERE = "need_where"
OFFER_CATEGORY = "offer_category"
OFFER_WHERE = "offer_where"
CHOOSE_CODE = "choose_code"  # YES / NO / DONE / LEAVE with several candidates
RELAY_CODE = "relay_code"  # free text from someone in several pods
NEW_OR_GROUP = "new_or_group"  # a request in words from a group member: which is it?
FIX_WHAT = "fix_what"  # FIX: what should change in the need just posted
FIX_CATEGORY = "fix_category"
FIX_WHERE = "fix_where"
FIX_WHEN = "fix_when"


@functools.cache
def config() -> dict[str, Any]:
    with CONFIG_FILE.open("rb") as fh:
        raw = tomllib.load(fh)
    minutes = int(raw.get("conversation_minutes", 30))
    if not 1 <= minutes <= 24 * 60:
        raise ValueError(f"{CONFIG_FILE.name}: conversation_minutes must be 1 to 1440")
    return {**raw, "conversation_minutes": minutes}


def fit(text: str) -> str:
    """Cut a reply to two segments (GSM-7 or UCS-2), the same way the outbox composes."""
    return compose(text, MAX_REPLY_SEGMENTS).body


# -- state ----------------------------------------------------------------------------------


def current(session: Session, person: Person) -> Conversation | None:
    """The person's live conversation; an expired one is deleted and None returned."""
    convo = session.scalar(select(Conversation).where(Conversation.person_id == person.id))
    if convo is None:
        return None
    expires = convo.expires_at
    if expires.tzinfo is None:  # SQLite hands back naive UTC
        expires = expires.replace(tzinfo=UTC)
    if expires <= utcnow():
        session.delete(convo)
        session.flush()
        return None
    return convo


def remember(session: Session, person: Person, state: str, data: dict) -> Conversation:
    """Start or move the person's conversation to ``state``; the clock restarts."""
    convo = session.scalar(select(Conversation).where(Conversation.person_id == person.id))
    expires = utcnow() + timedelta(minutes=config()["conversation_minutes"])
    if convo is None:
        convo = Conversation(person_id=person.id, state=state, data=dict(data), expires_at=expires)
        session.add(convo)
    else:
        convo.state, convo.data, convo.expires_at = state, dict(data), expires
    session.flush()
    return convo


def forget(session: Session, person: Person) -> bool:
    convo = session.scalar(select(Conversation).where(Conversation.person_id == person.id))
    if convo is None:
        return False
    session.delete(convo)
    session.flush()
    return True


def category_menu() -> str:
    language = current_language()
    options = ", ".join(
        f"{i} {cat.name(language)}" for i, cat in enumerate(categories.active_categories(), 1)
    )
    return options


def pick_category(text: str) -> str | None:
    """A menu number ("2", "2.", "#2") or a category word."""
    word = c.fold(text)
    if word.isdigit():
        index = int(word) - 1
        cats = categories.active_categories()
        return cats[index].key if 0 <= index < len(cats) else None
    keys, _rest = c.split_categories(text, many=False, terms=categories.terms())
    return keys[0] if keys else None
