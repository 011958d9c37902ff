"""Inbound texts: store each once (unique MessageSid), then apply it: recognise the texter,
apply the compliance keywords first, and hand everything else to ONE hook, ``handle_text``.

Two steps, both domain functions (flush, never commit): ``store_inbound`` is all the webhook
does in its request (one INSERT); ``apply_inbound`` is the rest, run by the worker
(``mutualaid.sms.intake``), which marks the text ``processed_at`` in the same transaction as
its effect. ``receive_inbound`` does both at once. The conversation issue replaces
``handle_text`` (see ``set_text_handler``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mutualaid.i18n import _, in_language
from mutualaid.models import Person, SmsMessage, utcnow
from mutualaid.models.messages import INBOUND, KIND_REPLY, SMS_RECEIVED
from mutualaid.models.people import SMS_PREF_ONLY
from mutualaid.sms import compliance
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


def handle_text(session: Session, person: Person, message: SmsMessage) -> str | None:
    """THE hook for every inbound text that is not STOP/START/HELP.

    Returns the reply text (already in the person's language) or None for no reply. Leave
    ``message.handled_at`` unset for texts a coordinator should read. This placeholder
    acknowledges and leaves the text in the coordinators' inbox; the conversation layer
    (issue 7) replaces it via ``set_text_handler``.
    """
    with in_language(person.language):
        return _(
            "Thanks, we got your text. A neighborhood coordinator will read it. "
            "Reply HELP for commands."
        )


TextHandler = Callable[[Session, Person, SmsMessage], "str | None"]
_text_handler: TextHandler = handle_text


def set_text_handler(handler: TextHandler | None) -> None:
    """Install the conversation layer's handler (None restores the placeholder)."""
    global _text_handler
    _text_handler = handler or handle_text


def find_or_create_texter(session: Session, number: str, *, consent: bool = True) -> Person:
    """The person with this number; an unknown number becomes a phone-only person (no
    password), with consent recorded from this first text. Safe when two texts from a new
    number arrive at once (the loser of the insert race finds the winner's row)."""
    person = session.scalar(select(Person).where(Person.phone == number))
    if person is not None:
        return person
    try:
        with session.begin_nested():
            person = Person(
                name=f"Texter {number[-4:]}",
                phone=number,
                sms_preference=SMS_PREF_ONLY,
                language="en",
            )
            session.add(person)
            session.flush()
    except IntegrityError:
        person = session.scalar(select(Person).where(Person.phone == number))
        assert person is not None
        return person
    if consent:
        compliance.opt_in(session, person, source="first text")
    return person


_INSERT_COLUMNS = (
    "direction", "provider_sid", "from_number", "to_number", "body", "status",
    "provider_status", "error_message", "segments", "attempts", "priority", "kind",
    "num_media", "person_id", "created_at", "updated_at", "sent_at",
)  # fmt: skip
_insert_statements: dict[str, object] = {}


def _insert_statement(dialect: str):
    """One prepared-shape INSERT ... ON CONFLICT DO NOTHING RETURNING id per dialect, built
    once (the webhook is hot: no per-request statement construction)."""
    stmt = _insert_statements.get(dialect)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = SmsMessage.__table__
        stmt = (
            insert(table)
            .values({name: bindparam(name, type_=table.c[name].type) for name in _INSERT_COLUMNS})
            .on_conflict_do_nothing(index_elements=["provider_sid"])
            .returning(table.c.id)
        )
        _insert_statements[dialect] = stmt
    return stmt


def store_inbound(
    session: Session | Connection,
    *,
    sid: str,
    from_number: str,
    to_number: str,
    body: str,
    num_media: int = 0,
    num_segments: int = 1,
) -> int | None:
    """The webhook's durable minimum: ONE ``INSERT ... ON CONFLICT (provider_sid) DO NOTHING
    RETURNING id`` (a Core statement, no ORM object, no lookup). Returns the new row's id,
    or None when this MessageSid is already stored (a duplicate delivery: no second effect).
    On PostgreSQL a concurrent twin waits for the first commit, then does nothing. Takes a
    session, or a Connection (the webhook's autocommit connection on PostgreSQL)."""
    now = utcnow()
    values = {
        "direction": INBOUND,
        "provider_sid": sid,
        "from_number": from_number[:20],
        "to_number": to_number[:20],
        "body": body,
        "status": SMS_RECEIVED,
        "provider_status": "received",
        "error_message": "",
        "segments": max(1, num_segments),
        "attempts": 0,
        "priority": 0,
        "kind": "inbound",
        "num_media": num_media,
        "person_id": None,  # the worker recognises the texter
        "created_at": now,
        "updated_at": now,
        "sent_at": now,
    }
    dialect = session.dialect if isinstance(session, Connection) else session.get_bind().dialect
    return session.execute(_insert_statement(dialect.name), values).scalar()  # type: ignore[call-overload]


def _texter(session: Session, message: SmsMessage) -> Person:
    person = session.scalar(select(Person).where(Person.phone == message.from_number))
    if person is None:
        person = find_or_create_texter(session, message.from_number)
        # A new number writing Spanish ("NECESITO ...", "¡Ayuda!") gets Spanish from now on.
        from mutualaid.sms.language import first_text_language

        person.language = first_text_language(message.body) or person.language
    message.person_id = person.id
    return person


def _handle(session: Session, person: Person, message: SmsMessage) -> str | None:
    """The text handler, in a savepoint: if it raises, its partial effects are undone, the
    text stays in the coordinators' inbox (``handled_at`` unset) and the texter gets a
    polite reply, instead of the text being retried (and failing) forever."""
    try:
        with session.begin_nested():
            return _text_handler(session, person, message)
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
        reply = queue_sms(session, person, reply_text, kind=KIND_REPLY)
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
