"""Inbound texts, the transport's half: store each once (unique MessageSid) and know the
texter by number. ``store_inbound`` is all the webhook does in its request (one INSERT);
``mutualaid.sms.apply`` applies a stored text (keywords, then the conversation layer) in the
worker (``mutualaid.sms.intake``). Domain functions: flush, never commit.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.dml import ReturningInsert

from mutualaid.models import Person, SmsMessage, utcnow
from mutualaid.models.messages import INBOUND, SMS_RECEIVED
from mutualaid.models.people import SMS_PREF_ONLY
from mutualaid.sms import compliance

log = logging.getLogger(__name__)


def find_or_create_texter(session: Session, number: str, *, consent: bool = True) -> Person:
    """The person with this number; an unknown number becomes a phone-only person (no
    password), with consent recorded from this first text. Safe when two texts from a new
    number arrive at once (the loser of the insert race finds the winner's row)."""
    person: Person | None = session.scalar(select(Person).where(Person.phone == number))
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
        winner: Person | None = session.scalar(select(Person).where(Person.phone == number))
        assert winner is not None
        return winner
    if consent:
        compliance.opt_in(session, person, source="first text")
    return person


_INSERT_COLUMNS = (
    "direction", "provider_sid", "from_number", "to_number", "body", "status",
    "provider_status", "error_message", "segments", "attempts", "priority", "kind",
    "num_media", "person_id", "created_at", "updated_at", "sent_at",
)  # fmt: skip
_insert_statements: dict[str, ReturningInsert[Any]] = {}


def _insert_statement(dialect: str) -> ReturningInsert[Any]:
    """One prepared-shape INSERT ... ON CONFLICT DO NOTHING RETURNING id per dialect, built
    once (the webhook is hot: no per-request statement construction)."""
    stmt = _insert_statements.get(dialect)
    if stmt is None:
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        table = cast(Table, SmsMessage.__table__)  # a declarative model's table is a Table
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
    new_id: int | None = session.execute(_insert_statement(dialect.name), values).scalar()
    return new_id
