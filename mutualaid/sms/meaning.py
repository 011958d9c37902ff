"""Context decides what a text means (issue 18). The same words mean different things to a
person with a pending invitation, a person seated in a group, a person in the middle of a
guided question and a stranger; this module takes the parsed command
(``mutualaid.sms.commands``), the natural reading (``mutualaid.sms.understand``) and the
person's context, and says what to do.

The rules (docs/sms.md, "Context decides"):

- A state change (DONE, LEAVE, NO, CANCEL) from free text needs the command alone or with
  one of the person's codes ("LEAVE A7K"); anything else is chat, never a removal, a
  closing or a decline. A decline in words asks for the explicit ``NO <code>``.
- Chat from a group member goes to the group; a text that reads as a new request asks
  "Is this for your group A7K (reply 1) or a new request (reply 2)?".
- Without a group: a request or an offer in words starts the guided NEED / OFFER flow with
  what was understood; yes in words answers a pending invitation; thanks get a kind word;
  questions and everything else go to the coordinators' inbox with a hint.
"""

from __future__ import annotations

import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.i18n import _
from mutualaid.models import Need, Person, Pod
from mutualaid.models.needs import ACTIVE_STATUSES
from mutualaid.models.pods import ACCEPTED
from mutualaid.pods.mine import pending_invitations, seated_pods
from mutualaid.sms import actions, posting
from mutualaid.sms import commands as c
from mutualaid.sms import understand as u
from mutualaid.sms.flow_state import NEW_OR_GROUP, forget, remember

STATE_CHANGES = (c.DONE, c.LEAVE, c.NO, c.CANCEL)
_PHONE_DIGITS = r"(?:\+?\d[\d\s().-]{8,}\d)"


def groups(session: Session, person: Person) -> list[Pod]:
    """The open groups the person is seated in with at least one other person (a requester
    whose group has nobody else yet is not "in a group" for what their words mean)."""
    return [
        pod
        for pod in seated_pods(session, person)
        if any(m.status == ACCEPTED and m.person_id != person.id for m in pod.memberships)
    ]


def _own_codes(session: Session, person: Person, pods: list[Pod], invited: list[Pod]) -> set[str]:
    codes = {p.code.upper() for p in pods + invited}
    codes |= set(
        session.scalars(
            select(Need.code).where(
                Need.requester_id == person.id, Need.status.in_(ACTIVE_STATUSES)
            )
        )
    )
    return codes


def _named_code(cmd: c.Command, codes: set[str]) -> bool:
    """A code in the text: one of the person's, or one typed on purpose (with a digit, or
    in capitals: "LEAVE A7K", "yes HMX")."""
    for k in cmd.codes:
        typed = any(ch.isdigit() for ch in k) and not k.isdigit()
        if k in codes or typed or re.search(rf"(?<![A-Za-z0-9]){k}(?![A-Za-z0-9])", cmd.rest):
            return True
    return False


def strict(cmd: c.Command, codes: set[str]) -> bool:
    """The command alone ("DONE", "leave!"), or with a code ("LEAVE A7K")."""
    return not c.tidy(cmd.rest) or _named_code(cmd, codes)


def _strict_post(cmd: c.Command) -> bool:
    """NEED / OFFER typed as a command: the word first and something to post, not a
    question ("need anything else from the store?")."""
    first = c.fold(cmd.text.split()[0]) if cmd.text.split() else ""
    asks = cmd.text.rstrip().endswith("?")
    return c.word_kind(first) == cmd.kind and not asks


def need_data(reading: u.Reading, text: str) -> dict:
    """What the guided NEED flow starts from, taken from a natural request."""
    details = text
    if reading.where and reading.where in details:
        details = details.replace(reading.where, " ")
    details = re.sub(_PHONE_DIGITS, " ", details)  # nobody's number goes to helpers
    return {
        "category": reading.categories[0] if reading.categories else None,
        "where": reading.where,
        "details": c.tidy(details)[: posting.MAX_DETAILS],
        "people": None,
        "urgency": reading.when or "today",
        "when": u.as_written(text, reading.when_text),
        "also": list(reading.categories[1:3]),
        "natural": True,
    }


def offer_data(reading: u.Reading) -> dict:
    return {
        "categories": list(reading.categories),
        "where": reading.where,
        "radius_km": None,
        "notes": "",
    }


def route(
    session: Session, person: Person, cmd: c.Command, reading: u.Reading
) -> tuple[str | None, bool] | None:
    """(reply, handled) for a text whose meaning depends on context; None when the command
    grammar applies unchanged (a strict command, STATUS, LANG...)."""
    if cmd.kind not in (c.NEED, c.OFFER, c.YES, *STATE_CHANGES, c.TEXT):
        return None
    pods = groups(session, person)
    if cmd.kind in (c.NEED, c.OFFER) and (not pods or _strict_post(cmd)):
        return _command_filled(session, person, cmd, reading)
    invited = pending_invitations(session, person)
    mine = seated_pods(session, person)
    codes = _own_codes(session, person, mine, invited) if cmd.kind != c.TEXT else set()
    answers = cmd.kind in (c.YES, c.NO)
    if cmd.kind in STATE_CHANGES and not answers and strict(cmd, codes):
        return None  # DONE / LEAVE / CANCEL alone or with a code: the command itself
    if answers and reading.intent != u.REQUEST and _named_code(cmd, codes):
        return None  # YES A7K / NO A7K: the answer itself (also a late one)
    if answers and invited and reading.intent != u.REQUEST and not c.tidy(cmd.rest):
        return None  # a bare YES / NO with an invitation waiting
    if cmd.kind == c.YES and invited and not pods and reading.intent not in (u.REQUEST, u.OFFER):
        return None  # "yes can come at 5": accepted, the note goes to the group
    text = cmd.text
    if reading.intent == u.REQUEST:
        if pods:
            return ask_group_or_new(session, person, pods, text, reading), True
        return posting.need_from(session, person, need_data(reading, text)), True
    if pods:
        return _to_group(session, person, cmd, reading, pods, invited)
    if reading.intent == u.OFFER:
        return posting.offer_from(session, person, offer_data(reading)), True
    if invited and (reading.intent == u.YES or cmd.kind == c.YES):
        yes = c.Command(c.YES, text, cmd.rest, cmd.code, cmd.codes, note=cmd.note)
        return actions.answer(session, person, yes)
    if invited and (reading.intent == u.NO or cmd.kind == c.NO):
        return _(
            "Can't help with %(code)s this time? Reply NO %(code)s to decline it. "
            "Thanks for letting us know!",
            code=invited[0].code,
        ), True
    if reading.intent == u.THANKS:
        return _("You're welcome! Text us anytime you need a hand, or HELP for commands."), True
    if reading.intent in (u.YES, u.NO) or cmd.kind in (c.YES, c.NO):
        waiting = _open_need(session, person)
        if waiting is not None:
            return _(
                "Thanks! We're still looking for neighbors for %(code)s and will text you. "
                "Reply STATUS anytime.",
                code=waiting.code,
            ), True
    if reading.intent == u.QUESTION:
        return _(
            "Thanks, a coordinator will read your question and answer by text. To ask for "
            "help, just tell us what you need and where."
        ), False
    return actions.free_text(session, person, _as_text(cmd))


def _command_filled(
    session: Session, person: Person, cmd: c.Command, reading: u.Reading
) -> tuple[str | None, bool] | None:
    """NEED / OFFER whose category the command grammar missed but the text names
    ("necesito ayuda con comida 11237"): filled in, so no menu is sent. None: as typed."""
    if cmd.categories or not reading.categories:
        return None
    if cmd.kind == c.OFFER:
        data = offer_data(reading)
        data.update(where=cmd.where or reading.where, radius_km=cmd.radius_km)
        return posting.offer_from(session, person, data), True
    data = need_data(reading, cmd.text)
    data.update(where=cmd.where or reading.where, details=cmd.details, people=cmd.people)
    return posting.need_from(session, person, data), True


def _open_need(session: Session, person: Person) -> Need | None:
    return session.scalar(
        select(Need)
        .where(Need.requester_id == person.id, Need.status.in_(ACTIVE_STATUSES))
        .order_by(Need.id.desc())
        .limit(1)
    )


def _as_text(cmd: c.Command) -> c.Command:
    if cmd.kind == c.TEXT:
        return cmd  # "A7K: at the door" keeps its code and its message
    codes = c.code_candidates(cmd.text)
    return c.Command(c.TEXT, cmd.text, cmd.text, code=c.best_code(codes), codes=codes)


def _to_group(
    session: Session,
    person: Person,
    cmd: c.Command,
    reading: u.Reading,
    pods: list[Pod],
    invited: list[Pod],
) -> tuple[str | None, bool]:
    """Chat from a group member: to the group. A command word with more after it is chat
    too ("done shopping, coming over"); a hint says how to do the command itself."""
    if invited and cmd.kind == c.YES and reading.intent == u.YES:
        yes = c.Command(c.YES, cmd.text, cmd.rest, cmd.code, cmd.codes, note=cmd.note)
        return actions.answer(session, person, yes)
    reply, handled = actions.free_text(session, person, _as_text(cmd))
    if (
        reply is None
        and cmd.kind in STATE_CHANGES
        and reading.intent
        not in (
            u.GROUP,
            u.QUESTION,
        )
    ):
        word = str(actions.COMMAND_WORDS.get(cmd.kind, cmd.kind.upper()))
        reply = _(
            "Sent to your group. If you meant the command, reply %(word)s %(code)s.",
            word=word,
            code=pods[0].code,
        )
    return reply, handled


def ask_group_or_new(
    session: Session, person: Person, pods: list[Pod], text: str, reading: u.Reading
) -> str:
    remember(session, person, NEW_OR_GROUP, {"text": text[:1000], "need": need_data(reading, text)})
    codes = ", ".join(p.code for p in pods[:3])
    return _("Is this for your group %(codes)s (reply 1) or a new request (reply 2)?", codes=codes)


def answer_group_or_new(
    session: Session, person: Person, data: dict, cmd: c.Command
) -> tuple[str | None, bool] | None:
    """The answer to "for your group (1) or a new request (2)?"; None: not an answer, the
    text is a new message."""
    word = c.fold(cmd.text)
    pods = seated_pods(session, person)
    chosen = next((p for p in pods if p.code.upper() in cmd.codes), None)
    if word in ("1", "group", "grupo") or chosen is not None:
        forget(session, person)
        if chosen is None and len(pods) != 1:
            stored = c.Command(c.TEXT, data.get("text") or "", data.get("text") or "")
            return actions.free_text(session, person, stored)
        return actions.relay(session, person, chosen or pods[0], data.get("text") or "")
    if word in ("2", "new", "nuevo", "nueva", "new request", "newrequest"):
        forget(session, person)
        return posting.need_from(session, person, dict(data.get("need") or {})), True
    return None
