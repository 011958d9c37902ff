"""The SMS conversation layer: THE text handler the transport calls for every inbound text
that is not STOP/START/HELP (``mutualaid.sms.apply`` calls it).

Owns the dispatch from a parsed :class:`~mutualaid.sms.commands.Command` to the domain, and
the guided follow-ups ("What do you need? Reply 1 groceries, ...", then "Where?"), one
question at a time, with the state in the person's :class:`Conversation` row that expires
after ``conversation_minutes`` (config/sms_conversation.toml). CANCEL-like words
("nevermind", "cancelar") abandon a flow; the opt-out words never reach this module (the
transport opts the number out first).

Every reply echoes what was understood, is rendered in the person's language and is cut to
two segments at most. Texts the layer cannot place are left unhandled (``handled_at`` unset)
for the coordinators' inbox, and the sender gets a short hint.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid import categories
from mutualaid.i18n import _, in_language
from mutualaid.models import Person, SmsMessage, utcnow
from mutualaid.models.messages import Conversation
from mutualaid.pods.mine import pending_invitations
from mutualaid.sms import actions, emergency, fixing, meaning, posting, self_service
from mutualaid.sms import commands as c
from mutualaid.sms import understand as u
from mutualaid.sms.flow_state import (
    CHOOSE_CODE,
    FIX_CATEGORY,
    FIX_WHAT,
    FIX_WHEN,
    FIX_WHERE,
    NEED_CATEGORY,
    NEED_WHERE,
    NEW_OR_GROUP,
    OFFER_CATEGORY,
    OFFER_WHERE,
    RELAY_CODE,
    category_menu,
    current,
    fit,
    forget,
    pick_category,
    remember,
)

# -- the hook -------------------------------------------------------------------------------


def handle_text(session: Session, person: Person, message: SmsMessage) -> str | None:
    """Parse, act, and return the reply (in the person's language, two segments at most).

    ``message.handled_at`` is set for everything the layer placed; texts for the
    coordinators' inbox are left unhandled."""
    terms = categories.terms()
    command = c.parse(message.body, terms)
    reading = u.read(message.body, terms)
    with in_language(person.language):
        if unverified_account(person):
            # A web account's number acts as the account only once verified by code.
            return fit(
                _(
                    "This number is not verified yet. To use it with your account, "
                    "verify it on the website: Profile, then Verify a phone number."
                )
            )
        reply = dispatch(session, person, message, command, reading)
        emergency.mark(session, person, message, reading)
    if reply is None:
        return None
    return fit(reply)


def places_in(session: Session, number: str, body: str) -> list[str]:
    """The places a text names, as :func:`handle_text` will read them: the ``<where>`` of a
    NEED or OFFER, or the whole answer when the sender was asked "Where?". Reads only (the
    intake looks them up before it locks the number)."""
    command = c.parse(body, categories.terms())
    places = [command.where] if command.where else []
    state = session.scalar(
        select(Conversation.state)
        .join(Person, Person.id == Conversation.person_id)
        .where(Person.phone == number, Conversation.expires_at > utcnow())
    )
    text = command.text  # what continue_flow reads, so the look-up is the same place
    if state == OFFER_WHERE:
        where, _radius, rest = c.where_and_radius(text)
        places.append(where or rest)
    elif state in (NEED_WHERE, FIX_WHERE):
        places.append(u.place_in_answer(text))
    elif command.kind in (c.TEXT, c.YES, c.NO, c.DONE, c.LEAVE) and state is None:
        reading = u.read(body, categories.terms())
        if reading.where and reading.intent in (u.REQUEST, u.OFFER):
            places.append(reading.where)  # "... we're by the church on grand st"
    return places


def unverified_account(person: Person) -> bool:
    """A web account (email or password) whose number was typed on the profile but never
    confirmed with a code: texts from it must not act as the account."""
    return bool(person.email or person.password_hash) and person.phone_verified_at is None


def dispatch(
    session: Session,
    person: Person,
    message: SmsMessage,
    cmd: c.Command,
    reading: u.Reading | None = None,
) -> str | None:
    handled = True
    reading = reading or u.read(cmd.text, categories.terms())
    try:
        reply, handled = _dispatch(session, person, cmd, reading)
    finally:
        if handled:
            message.handled_at = utcnow()
    return reply


def _dispatch(
    session: Session, person: Person, cmd: c.Command, reading: u.Reading
) -> tuple[str | None, bool]:
    if cmd.kind == c.CANCEL and not cmd.code:
        had = forget(session, person)
        if had:
            return _("OK, cancelled. Text NEED or OFFER to start again, or HELP."), True
        return _("Nothing to cancel. To withdraw a need, text CANCEL and its code."), True
    if fixing.is_fix(cmd):
        return fixing.start(session, person, cmd), True
    convo = current(session, person)
    if convo is not None and _answers_question(session, person, cmd):
        answered = continue_flow(session, person, convo, cmd, reading)
        if answered is not None:
            return answered
    elif convo is not None:
        forget(session, person)  # a new command abandons the old question
    routed = meaning.route(session, person, cmd, reading)
    if routed is not None:
        return routed
    if cmd.kind == c.NEED:
        return posting.need(session, person, cmd), True
    if cmd.kind == c.OFFER:
        return posting.offer(session, person, cmd), True
    if cmd.kind in (c.YES, c.NO, c.DONE, c.LEAVE, c.CANCEL):
        return actions.answer(session, person, cmd)
    if cmd.kind == c.PAUSE:
        return self_service.pause(session, person), True
    if cmd.kind == c.RESUME:
        return self_service.resume(session, person), True
    if cmd.kind == c.STATUS:
        return self_service.status(session, person), True
    if cmd.kind == c.LANG:
        return self_service.language(session, person, cmd), True
    if cmd.kind == c.HELP:
        return help_text(), True
    if cmd.kind == c.NAME:
        return self_service.rename(session, person, cmd), True
    if cmd.kind in (c.OPT_OUT, c.OPT_IN):
        return None, True  # the transport answered these already
    return actions.free_text(session, person, cmd)


def help_text() -> str:
    return _(
        "mutualaid: NEED groceries 11211 milk / OFFER rides 11211 5km / YES or NO + code / "
        "DONE code / LEAVE code / STATUS / PAUSE / RESUME / LANG ES. STOP to opt out."
    )


def _answers_question(session: Session, person: Person, cmd: c.Command) -> bool:
    """Free text answers the question in progress; so do yes / no in words when no
    invitation waits for them (asked "Where?", "yes" is not an answer to an invitation)."""
    if cmd.kind in (c.TEXT, c.EMPTY):
        return True
    return cmd.kind in (c.YES, c.NO) and not pending_invitations(session, person)


def continue_flow(
    session: Session,
    person: Person,
    convo: Conversation,
    cmd: c.Command,
    reading: u.Reading | None = None,
) -> tuple[str | None, bool] | None:
    """Feed the answer to the question the person was asked; None: the text is not an
    answer but a new message (the question is dropped)."""
    data = dict(convo.data or {})
    text = cmd.text
    if convo.state == NEW_OR_GROUP:
        answered = meaning.answer_group_or_new(session, person, data, cmd)
        if answered is None:
            forget(session, person)
        return answered
    if convo.state in (FIX_WHAT, FIX_CATEGORY, FIX_WHERE, FIX_WHEN):
        return fixing.answer(session, person, convo.state, data, text), True
    if convo.state in (NEED_CATEGORY, OFFER_CATEGORY):
        key = pick_category(text)
        if key is None:
            remember(session, person, convo.state, data)
            return _(
                "Sorry, I didn't get that. Reply with a number: %(menu)s", menu=category_menu()
            ), True
        if convo.state == NEED_CATEGORY:
            data["category"] = key
            return posting.need_from(session, person, data), True
        data["categories"] = [key]
        return posting.offer_from(session, person, data), True
    if convo.state in (OFFER_WHERE, NEED_WHERE) and u.not_a_place(text, categories.terms()):
        return posting.ask_where_again(session, person, convo.state, data), True
    if convo.state == OFFER_WHERE:  # "11211 3 miles": the place and how far
        where, radius, rest = c.where_and_radius(text)
        data["where"] = where or rest
        if radius is not None:
            data["radius_km"] = radius
        return posting.offer_from(session, person, data), True
    if convo.state == NEED_WHERE:
        where, rest = c.split_where(text)
        data["where"] = where or u.place_in_answer(text)
        if where and rest and not data.get("details"):
            data["details"] = rest
        return posting.need_from(session, person, data), True
    if convo.state == CHOOSE_CODE:
        return actions.answer_chosen(session, person, data, cmd)
    if convo.state == RELAY_CODE:
        return actions.relay_chosen(session, person, data, cmd)
    forget(session, person)  # an unknown state from an older version: start afresh
    return actions.free_text(session, person, cmd)
