"""FIX: a wrong guess is easy to correct (issue 18). After a need posted from a text in
words, the reply says "Reply FIX to change it"; FIX (or FIX A7K, CORREGIR) asks what should
change (1 what, 2 where, 3 when), asks for the new value, and edits the need through the
needs domain. One question at a time, in the person's Conversation row.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid import categories
from mutualaid.i18n import _
from mutualaid.models import Need, Person
from mutualaid.models.needs import STATUS_MATCHING, STATUS_OPEN
from mutualaid.need_records import NeedError, NeedInput
from mutualaid.needs import edit_need
from mutualaid.sms import commands as c
from mutualaid.sms import posting
from mutualaid.sms import understand as u
from mutualaid.sms.flow_state import (
    FIX_CATEGORY,
    FIX_WHAT,
    FIX_WHEN,
    FIX_WHERE,
    category_menu,
    forget,
    pick_category,
    remember,
)

FIX_WORDS = frozenset({"fix", "fixit", "corregir", "corrige", "arreglar", "cambiar", "editar"})
FIXABLE = (STATUS_OPEN, STATUS_MATCHING)  # nobody has said yes yet
WHEN_CHOICES = {"1": "now", "2": "today", "3": "week", "4": "flexible"}


def is_fix(cmd: c.Command) -> bool:
    """FIX alone, or FIX and a code ("fix A7K")."""
    words = cmd.text.split()
    if not words or len(words) > 2 or c.fold(words[0]) not in FIX_WORDS:
        return False
    return len(words) == 1 or bool(c.code_candidates(words[1]))


def _need(session: Session, person: Person, codes: tuple[str, ...] = ()) -> Need | None:
    stmt = select(Need).where(Need.requester_id == person.id, Need.status.in_(FIXABLE))
    if codes:
        stmt = stmt.where(Need.code.in_(codes))
    return session.scalar(stmt.order_by(Need.id.desc()).limit(1))


def start(session: Session, person: Person, cmd: c.Command) -> str:
    words = cmd.text.split()
    need = _need(session, person, c.code_candidates(" ".join(words[1:])) if len(words) > 1 else ())
    if need is None:
        return _(
            "Nothing to fix: no need of yours is waiting for helpers. Reply STATUS to see "
            "yours, or tell us what you need."
        )
    remember(session, person, FIX_WHAT, {"need_id": need.id})
    return _(
        "What should change in %(code)s? Reply 1 for what (%(category)s), 2 for where, 3 for when.",
        code=need.code,
        category=categories.label(need.category),
    )


def _edit(session: Session, need: Need, **changes: object) -> str | None:
    data = NeedInput(
        category=str(changes.get("category", need.category)),
        urgency=str(changes.get("urgency", need.urgency)),
        people_needed=need.people_needed,
        details=need.details,
        contact_preference=need.contact_preference,
    )
    try:
        edit_need(session, need, data, changes.get("location"))  # type: ignore[arg-type]
    except NeedError as exc:
        return _("Sorry, we could not change that: %(why)s", why=str(exc.message))
    return None


def answer(session: Session, person: Person, state: str, data: dict, text: str) -> str:
    """The answer to one of FIX's questions."""
    need = session.get(Need, data.get("need_id") or 0)
    if need is None or need.requester_id != person.id or need.status not in FIXABLE:
        forget(session, person)
        return _("That need can no longer be changed here. Reply STATUS to see yours.")
    choice = c.fold(text)
    if state == FIX_WHAT:
        if choice == "1":
            remember(session, person, FIX_CATEGORY, data)
            return _(
                "%(question)s Reply %(menu)s", question=_("What do you need?"), menu=category_menu()
            )
        if choice == "2":
            remember(session, person, FIX_WHERE, data)
            return _("Where? Reply with a ZIP code or address (or lat,lng).")
        if choice == "3":
            remember(session, person, FIX_WHEN, data)
            return _("When? Reply 1 now, 2 today, 3 this week, 4 no rush.")
        remember(session, person, FIX_WHAT, data)
        return _("Reply 1 for what, 2 for where, 3 for when.")
    if state == FIX_CATEGORY:
        key = pick_category(text)
        if key is None:
            remember(session, person, state, data)
            return _(
                "Sorry, I didn't get that. Reply with a number: %(menu)s", menu=category_menu()
            )
        problem = _edit(session, need, category=key)
    elif state == FIX_WHEN:
        urgency = WHEN_CHOICES.get(choice)
        if urgency is None:
            remember(session, person, state, data)
            return _("When? Reply 1 now, 2 today, 3 this week, 4 no rush.")
        problem = _edit(session, need, urgency=urgency)
    else:  # FIX_WHERE
        location, trouble = posting.locate(session, u.place_in_answer(text))
        if location is None:
            remember(session, person, state, data)
            question = _("Where? Reply with a ZIP code or address (or lat,lng).")
            return f"{trouble} {question}".strip() if trouble else question
        problem = _edit(session, need, location=location)
    forget(session, person)
    if problem:
        return problem
    return _(
        "Fixed: need %(code)s is now %(category)s. Reply FIX again to change more.",
        code=need.code,
        category=categories.label(need.category),
    )
