"""Apply one stored inbound text (the worker's part): recognise the texter (an unknown
number becomes a phone-only person with consent), apply STOP/START/HELP first, hand every
other text to the conversation layer (``mutualaid.sms.conversation.handle_text``), queue its
reply, and mark the text processed in the same transaction as its effect. Domain functions:
flush, never commit (``mutualaid.sms.intake`` commits).

SMS pumping (issue 16): a text from an unknown sender that is not a valid phone number in
``SMS_ALLOWED_COUNTRIES`` (a short code, an alphanumeric sender, a foreign number) is kept
for the coordinators' inbox, but no person is created and nothing is answered.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.i18n import _, in_language
from mutualaid.models import Person, SmsMessage, utcnow
from mutualaid.models.messages import KIND_REPLY
from mutualaid.notify import phone_proven
from mutualaid.sms import compliance
from mutualaid.sms.conversation import handle_text
from mutualaid.sms.identity import release_unproven_claim
from mutualaid.sms.inbound import find_or_create_texter, store_inbound
from mutualaid.sms.language import first_text_language
from mutualaid.sms.outbox import queue_sms

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class InboundResult:
    message: SmsMessage | None  # None: a duplicate delivery, nothing done
    person: Person | None
    keyword: str | None
    reply: SmsMessage | None

    @property
    def duplicate(self) -> bool:
        return self.message is None


def _texter(session: Session, message: SmsMessage) -> Person | None:
    """The sender's person; an unknown sender becomes one only when we may answer them.
    None: an unknown sender we never answer (``compliance.answerable_sender``)."""
    person = session.scalar(select(Person).where(Person.phone == message.from_number))
    if person is not None and not phone_proven(person):
        # A web account typed this number and never proved it: the one texting from the
        # phone is its owner (issue 16: a squatter must not get their texts, or block them).
        release_unproven_claim(session, person)
        person = None
    if person is None:
        allowed = current_app.config["MUTUALAID"].sms_allowed_countries
        if not compliance.answerable_sender(message.from_number, allowed):
            return None
        person = find_or_create_texter(session, message.from_number)
        # A new number writing Spanish ("NECESITO ...", "¡Ayuda!") gets Spanish from now on.
        person.language = first_text_language(message.body) or person.language
    message.person_id = person.id
    return person


def _handle(session: Session, person: Person, message: SmsMessage) -> str | None:
    """The text handler, in a savepoint: if it raises, its partial effects are undone, the
    text stays in the coordinators' inbox (``handled_at`` unset) and the texter gets a
    polite reply, instead of the text being retried (and failing) forever."""
    try:
        with session.begin_nested():
            return handle_text(session, person, message)
    except Exception:
        log.exception("the text handler failed on inbound text %s; left for the inbox", message.id)
        session.refresh(person)
        message.handled_at = None
        with in_language(person.language):
            return _(
                "Sorry, we could not act on your text just now. "
                "A neighborhood coordinator will read it."
            )


def apply_inbound(session: Session, message: SmsMessage) -> InboundResult:
    """Apply one stored inbound text (the worker's part): recognise the texter (an unknown
    number becomes a phone-only person with consent), apply STOP/START/HELP first, hand
    everything else to the text hook, queue its reply, and mark the text processed in the
    same transaction. A text already processed is left alone. Flushes, never commits."""
    if message.processed_at is not None:
        return InboundResult(None, None, None, None)
    now = utcnow()
    person = _texter(session, message)
    if person is None:  # kept for the inbox (handled_at stays empty); no person, no reply
        log.info("inbound text %s from a sender we do not answer; left for the inbox", message.id)
        message.processed_at = now
        session.flush()
        return InboundResult(message, None, None, None)
    keyword = compliance.classify_keyword(message.body, person)
    reply_text: str | None = None
    if keyword == compliance.KEYWORD_STOP:
        compliance.opt_out(session, person, source="keyword", message_id=message.id)
        message.handled_at = now  # Twilio confirms STOP itself; we send nothing more
    elif keyword == compliance.KEYWORD_START:
        compliance.opt_in(session, person, source="keyword", message_id=message.id)
        message.handled_at = now
        reply_text = compliance.opted_in_text(person.language)
    elif keyword == compliance.KEYWORD_HELP:
        message.handled_at = now
        reply_text = compliance.help_text(person.language)
    elif not person.sms_opted_out:
        reply_text = _handle(session, person, message)
    # An opted-out texter's other words wait in the inbox, unanswered.

    reply = None
    if reply_text:
        asking = (message.priority or 0) >= compliance.INBOUND_REQUEST  # issue 18
        reply = queue_sms(session, person, reply_text, kind=KIND_REPLY, asking_for_help=asking)
    message.processed_at = now
    session.flush()
    return InboundResult(message, person, keyword, reply)


def receive_inbound(
    session: Session,
    *,
    sid: str,
    from_number: str,
    to_number: str,
    body: str,
    num_media: int = 0,
    num_segments: int = 1,
) -> InboundResult:
    """Store one inbound text (once per MessageSid) and apply it at once, in the caller's
    transaction (tests, benchmarks, seeding). The webhook stores only and the worker applies
    (``mutualaid.sms.intake``). Flushes, never commits."""
    new_id = store_inbound(
        session,
        sid=sid,
        from_number=from_number,
        to_number=to_number,
        body=body,
        num_media=num_media,
        num_segments=num_segments,
    )
    if new_id is None:
        return InboundResult(None, None, None, None)
    message = session.get(SmsMessage, new_id)
    assert message is not None
    return apply_inbound(session, message)
