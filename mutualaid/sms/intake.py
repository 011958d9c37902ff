"""The edge that applies inbound texts after the webhook stored them (the worker's side).

The webhook commits one INSERT and calls ``enqueue_inbound`` (a Huey task carrying the row
id; with ``QUEUE_URL=memory://`` the text is applied inline right after that commit).
``process_stored`` applies a text with ``mutualaid.sms.apply.apply_inbound`` and commits:

- once: ``processed_at`` is set in the same transaction as the effect, and a text already
  processed is skipped, so a task run twice (or a task and the sweep) has one effect;
- in order per number: the number is locked for the transaction (a PostgreSQL advisory
  lock; SQLite has a single writer), and the oldest unprocessed text of that number is
  applied first, so two quick texts from one person are applied in arrival order whichever
  worker thread gets which task;
- never lost: ``requeue_unprocessed`` (called by the periodic SMS sweep) re-enqueues texts
  left unprocessed for more than ``GRACE_SECONDS`` (a lost task, a crashed worker).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta
from typing import cast

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, scoped_session

from mutualaid import locations, queue
from mutualaid.extensions import db, worker_session
from mutualaid.models import Person, SmsMessage, utcnow
from mutualaid.models.messages import INBOUND
from mutualaid.sms import compliance
from mutualaid.sms.apply import apply_inbound
from mutualaid.sms.conversation import places_in

log = logging.getLogger(__name__)

GRACE_SECONDS = 5  # a text unprocessed for longer than this is re-enqueued by the sweep
CATCH_UP = 50  # older texts of the same number applied first, at most, per call


def enqueue_inbound(message_id: int) -> None:
    """Called after the commit that stored the text. The task carries the id only; if the
    queue is down the sweep finds the text later."""
    if queue.is_immediate():
        try:
            process_stored(message_id)
        except Exception:  # the text stays unprocessed; the sweep applies it later
            log.exception("inline processing of inbound text %s failed", message_id)
        return
    try:
        queue.enqueue("process_inbound", message_id)
    except Exception:
        log.exception("could not enqueue inbound text %s; the sweep will pick it up", message_id)


def _session() -> Session:
    # db.session is typed as a Session (extensions.py); it is a scoped_session: its Session.
    return cast("scoped_session[Session]", db.session)()


def _begin(session: Session) -> None:
    """SQLite: take the write lock when the transaction begins (one writer at a time, which
    also keeps texts of one number in order). PostgreSQL: nothing to do here."""
    if session.get_bind().dialect.name == "sqlite" and not session.in_transaction():
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def _lock_number(session: Session, number: str) -> None:
    """Hold the number for this transaction (PostgreSQL advisory lock, released at commit)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(number.encode(), digest_size=8, person=b"sms-in").digest()
    session.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, signed=True))))


def _unprocessed():
    return (SmsMessage.direction == INBOUND, SmsMessage.processed_at.is_(None))


def process_stored(message_id: int) -> bool:
    """Apply the stored text ``message_id`` after any older unprocessed text of the same
    number; one commit per text. True if this call applied it (False: already processed,
    or unknown id)."""
    session = _session()
    try:
        return _process(session, message_id)
    finally:
        locations.forget_prelocated(session)


def _prelocate(session: Session, message_id: int) -> None:
    """Before the lock: look up the places the text names (the network may take seconds),
    so the conversation, run under the lock, never waits for the geocoder."""
    number = session.scalar(
        select(SmsMessage.from_number).where(SmsMessage.id == message_id, *_unprocessed())
    )
    body = None
    if number is not None:  # the text applied next: the number's oldest unprocessed one
        body = session.scalar(
            select(SmsMessage.body)
            .where(SmsMessage.from_number == number, SmsMessage.id <= message_id, *_unprocessed())
            .order_by(SmsMessage.id)
            .limit(1)
        )
    if number is not None and body is not None and _answered(session, number):
        locations.prelocate(session, places_in(session, number, body))
    session.commit()  # the geocoder cache, and no transaction left open


def _answered(session: Session, number: str) -> bool:
    """Will the conversation layer read this sender's text (a known person, or an unknown
    sender we answer)? Places in other texts are not worth a look-up."""
    known = session.scalar(select(Person.id).where(Person.phone == number))
    allowed = current_app.config["MUTUALAID"].sms_allowed_countries
    return known is not None or compliance.answerable_sender(number, allowed)


def _process(session: Session, message_id: int) -> bool:
    for _ in range(CATCH_UP + 1):
        _prelocate(session, message_id)
        _begin(session)
        number = session.scalar(
            select(SmsMessage.from_number).where(SmsMessage.id == message_id, *_unprocessed())
        )
        if number is None:  # already processed (or unknown): end the read-only transaction
            session.commit()
            return False
        _lock_number(session, number)
        oldest = session.scalar(
            select(SmsMessage)
            .where(SmsMessage.from_number == number, SmsMessage.id <= message_id, *_unprocessed())
            .order_by(SmsMessage.id)
            .limit(1)
            .execution_options(populate_existing=True)
        )
        if oldest is None:  # applied by another worker while we waited for the lock
            session.commit()
            return False
        apply_inbound(session, oldest)
        oldest_id = oldest.id
        session.commit()
        if oldest_id == message_id:
            return True
    log.warning("inbound text %s waits behind many older texts; the sweep continues", message_id)
    return False


def requeue_unprocessed(
    *, grace_seconds: float = GRACE_SECONDS, limit: int = 500, bind: object = None
) -> int:
    """Enqueue again every text left unprocessed for more than ``grace_seconds`` (the
    periodic SMS sweep's inbound half). Returns how many."""
    session = worker_session(bind)
    try:
        ids = list(
            session.scalars(
                select(SmsMessage.id)
                .where(
                    *_unprocessed(),
                    SmsMessage.created_at < utcnow() - timedelta(seconds=grace_seconds),
                )
                .order_by(SmsMessage.id)
                .limit(limit)
            )
        )
        session.rollback()
    finally:
        session.close()
    for message_id in ids:
        enqueue_inbound(message_id)
    if ids:
        log.info("re-enqueued %d inbound texts left unprocessed", len(ids))
    return len(ids)
