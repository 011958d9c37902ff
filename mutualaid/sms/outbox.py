"""The transactional outbox: ``queue_sms`` is the ONE way the app sends a text.

``queue_sms`` writes the row in the caller's transaction (flush, never commit) and asks for
a dispatch task once that transaction commits (a SQLAlchemy ``after_commit`` hook; the task
carries the row id only). If the transaction rolls back, nothing is queued and nothing is
sent. The functions below it are the worker's steps: claim a due row, record the outcome,
move statuses forward only. They flush and never commit; ``mutualaid.sms.dispatcher`` is
the edge that commits around the network call.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import and_, event, or_, select, update
from sqlalchemy.orm import Session

from mutualaid.models import Person, SmsMessage, SmsStatusEvent, utcnow
from mutualaid.models.messages import (
    KIND_REPLY,
    OUTBOUND,
    SMS_CANCELLED,
    SMS_DELIVERED,
    SMS_FAILED,
    SMS_QUEUED,
    SMS_SENDING,
    SMS_SENT,
    SMS_UNDELIVERED,
)
from mutualaid.settings import Settings
from mutualaid.sms import compliance
from mutualaid.sms.compose import compose

PENDING_KEY = "sms_outbox_pending"
REPLY_PRIORITY = 10

# Forward-only status machine. Terminal statuses never change again.
RANK = {
    SMS_QUEUED: 0,
    SMS_SENDING: 1,
    SMS_SENT: 2,
    SMS_DELIVERED: 3,
    SMS_UNDELIVERED: 3,
    SMS_FAILED: 3,
    SMS_CANCELLED: 3,
}
TERMINAL = frozenset({SMS_DELIVERED, SMS_UNDELIVERED, SMS_FAILED, SMS_CANCELLED})
# The provider's status words, mapped onto ours.
PROVIDER_STATUS = {
    "accepted": SMS_SENT,
    "scheduled": SMS_SENT,
    "queued": SMS_SENT,
    "sending": SMS_SENT,
    "sent": SMS_SENT,
    "delivered": SMS_DELIVERED,
    "read": SMS_DELIVERED,
    "undelivered": SMS_UNDELIVERED,
    "failed": SMS_FAILED,
    "canceled": SMS_CANCELLED,
}


def _settings() -> Settings:
    return current_app.config["MUTUALAID"]


def queue_sms(
    session: Session,
    person_or_number: Person | str,
    body: str,
    *,
    kind: str,
    need: object | None = None,
    pod: object | None = None,
    priority: int | None = None,
    idempotency_key: str | None = None,
) -> SmsMessage:
    """Record an outbound text in the caller's transaction; it is sent after commit.

    ``body`` must already be rendered in the recipient's language (``in_language``). The
    row is always written: when the number has opted out or a cap is reached it is written
    as ``cancelled`` with the reason in ``error_message`` and never sent. With an
    ``idempotency_key`` a second call returns the first row instead of queueing again.
    ``kind`` "reply" (an answer to the person's own text) goes ahead of notices.
    """
    settings = _settings()
    if idempotency_key:
        existing = session.scalar(
            select(SmsMessage).where(SmsMessage.idempotency_key == idempotency_key)
        )
        if existing is not None:
            return existing
    if isinstance(person_or_number, Person):
        person: Person | None = person_or_number
        to_number = person_or_number.phone or ""
    else:
        to_number = person_or_number
        person = session.scalar(select(Person).where(Person.phone == to_number))
    if not to_number:
        raise ValueError("queue_sms needs a person with a phone number, or a number")
    composed = compose(body, settings.sms_max_segments)
    from mutualaid.sms.gateway import sender_number

    message = SmsMessage(
        direction=OUTBOUND,
        from_number=sender_number(settings),
        to_number=to_number,
        body=composed.body,
        segments=composed.segments,
        kind=kind,
        priority=priority
        if priority is not None
        else (REPLY_PRIORITY if kind == KIND_REPLY else 0),
        person_id=person.id if person is not None else None,
        need_id=getattr(need, "id", None),
        pod_id=getattr(pod, "id", None),
        idempotency_key=idempotency_key,
        attempts=0,
        error_message="",
    )
    reason = compliance.block_reason(
        session,
        person,
        to_number,
        kind=kind,
        daily_cap=settings.sms_daily_cap,
        unknown_reply_cap=settings.sms_unknown_reply_cap,
    )
    if reason:
        message.status = SMS_CANCELLED
        message.error_message = reason
    else:
        message.status = SMS_QUEUED
        message.next_attempt_at = utcnow()
    session.add(message)
    session.flush()
    if message.status == SMS_QUEUED:
        session.info.setdefault(PENDING_KEY, []).append(message.id)
    return message


# --- after-commit enqueue -------------------------------------------------------------


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    ids = session.info.pop(PENDING_KEY, None)
    if ids:
        from mutualaid.sms.dispatcher import enqueue_dispatch

        enqueue_dispatch(ids, bind=session.get_bind())


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: object) -> None:
    if not session.in_transaction():
        session.info.pop(PENDING_KEY, None)


# --- the worker's steps ------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    id: int
    to_number: str
    body: str
    attempts: int
    reconcile_since: datetime | None  # set when an earlier attempt may have gone out


def _due(now: datetime):
    return and_(
        SmsMessage.direction == OUTBOUND,
        SmsMessage.status.in_((SMS_QUEUED, SMS_SENDING)),
        or_(SmsMessage.next_attempt_at.is_(None), SmsMessage.next_attempt_at <= now),
    )


def due_message_ids(session: Session, limit: int = 500) -> list[int]:
    """Rows that should be (re)tried now, replies first; includes "sending" rows whose
    lease ran out (a crashed or timed-out send, reconciled before any resend)."""
    now = utcnow()
    rows = session.scalars(
        select(SmsMessage.id)
        .where(_due(now))
        .order_by(SmsMessage.priority.desc(), SmsMessage.next_attempt_at, SmsMessage.id)
        .limit(limit)
    )
    return list(rows)


def claim(session: Session, message_id: int, *, lease_seconds: int) -> Claim | None:
    """Take the row for one send attempt, or None if it is not due or another worker has
    it. PostgreSQL: ``FOR UPDATE SKIP LOCKED``; SQLite (one writer at a time): the same
    conditional UPDATE, whose row count says who won."""
    now = utcnow()
    if session.get_bind().dialect.name == "postgresql":
        locked = session.scalar(
            select(SmsMessage.id)
            .where(SmsMessage.id == message_id, _due(now))
            .with_for_update(skip_locked=True)
        )
        if locked is None:
            return None
    row = session.execute(
        select(
            SmsMessage.status,
            SmsMessage.claimed_at,
            SmsMessage.attempts,
            SmsMessage.to_number,
            SmsMessage.body,
            SmsMessage.person_id,
        ).where(SmsMessage.id == message_id, _due(now))
    ).first()
    if row is None:
        return None
    result = session.execute(
        update(SmsMessage)
        .where(SmsMessage.id == message_id, _due(now), SmsMessage.attempts == row.attempts)
        .values(
            status=SMS_SENDING,
            claimed_at=now,
            next_attempt_at=now + timedelta(seconds=lease_seconds),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None
    reconcile_since = None
    if row.status == SMS_SENDING and row.claimed_at is not None:
        reconcile_since = row.claimed_at - timedelta(minutes=2)  # clock skew allowance
    # Opt-out is checked at send time too, not only when queued.
    person = session.get(Person, row.person_id) if row.person_id else None
    if person is None:
        person = session.scalar(select(Person).where(Person.phone == row.to_number))
    if person is not None and person.sms_opted_out and reconcile_since is None:
        _finish(session, message_id, status=SMS_CANCELLED, error_message="opted out")
        return None
    return Claim(message_id, row.to_number, row.body, row.attempts, reconcile_since)


def _finish(session: Session, message_id: int, **values: object) -> None:
    values.setdefault("updated_at", utcnow())
    values.setdefault("next_attempt_at", None)
    session.execute(
        update(SmsMessage)
        .where(SmsMessage.id == message_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def record_sent(
    session: Session,
    message_id: int,
    *,
    sid: str,
    provider_status: str,
    segments: int | None,
    attempts_used: int = 1,
) -> None:
    """The provider accepted the text: keep its sid and apply any callback that beat us."""
    values: dict[str, object] = {
        "status": SMS_SENT,
        "provider_sid": sid,
        "provider_status": provider_status,
        "sent_at": utcnow(),
        "error_code": None,
        "error_message": "",
    }
    if segments:
        values["segments"] = segments
    message = session.get(SmsMessage, message_id)
    assert message is not None
    message.attempts = (message.attempts or 0) + attempts_used
    for key, value in values.items():
        setattr(message, key, value)
    message.next_attempt_at = None
    session.flush()
    early = session.scalars(
        select(SmsStatusEvent)
        .where(SmsStatusEvent.provider_sid == sid, SmsStatusEvent.message_id.is_(None))
        .order_by(SmsStatusEvent.id)
    ).all()
    for ev in early:
        ev.message_id = message.id
        advance_status(message, ev.status, ev.error_code)
    session.flush()


def backoff_seconds(attempts: int, settings: Settings) -> float:
    """Exponential backoff with a cap and +-10 % jitter: base * 2**(attempts-1)."""
    raw = settings.sms_retry_base_seconds * (2 ** max(0, attempts - 1))
    capped = min(raw, settings.sms_retry_max_seconds)
    return capped * random.uniform(0.9, 1.1)


def record_retry(
    session: Session,
    message_id: int,
    *,
    error: str,
    code: int | None,
    ambiguous: bool,
    settings: Settings,
) -> str:
    """A retryable failure: back off, or give up after SMS_MAX_ATTEMPTS. An ambiguous one
    (the request may have arrived) stays "sending" so the next try reconciles first.
    Returns the new status."""
    message = session.get(SmsMessage, message_id)
    assert message is not None
    message.attempts = (message.attempts or 0) + 1
    message.error_code = code
    message.error_message = error[:500]
    if message.attempts >= settings.sms_max_attempts and not ambiguous:
        message.status = SMS_FAILED
        message.next_attempt_at = None
    else:
        message.status = SMS_SENDING if ambiguous else SMS_QUEUED
        message.next_attempt_at = utcnow() + timedelta(
            seconds=backoff_seconds(message.attempts, settings)
        )
    session.flush()
    return message.status


def record_failed(session: Session, message_id: int, *, error: str, code: int | None) -> None:
    """A permanent failure; coordinators see it in ``failed_messages``."""
    message = session.get(SmsMessage, message_id)
    assert message is not None
    message.attempts = (message.attempts or 0) + 1
    message.status = SMS_FAILED
    message.error_code = code
    message.error_message = error[:500]
    message.next_attempt_at = None
    session.flush()


def record_opted_out(session: Session, message_id: int, *, error: str, code: int | None) -> None:
    """Error 21610: the number opted out at the provider. Mark the person (creating a
    phone-only record if the number had none) and cancel everything queued to them."""
    record_failed(session, message_id, error=error, code=code)
    message = session.get(SmsMessage, message_id)
    assert message is not None
    from mutualaid.sms.inbound import find_or_create_texter

    person = session.get(Person, message.person_id) if message.person_id else None
    if person is None:
        person = find_or_create_texter(session, message.to_number, consent=False)
    compliance.opt_out(session, person, source=f"provider error {code}", message_id=message_id)


def requeue_after_reconcile(session: Session, message_id: int) -> None:
    """Reconciliation found nothing at the provider: the row is sent as new."""
    _finish(session, message_id, status=SMS_QUEUED, next_attempt_at=utcnow())


def advance_status(message: SmsMessage, provider_status: str, error_code: int | None) -> bool:
    """Move ``message`` forward to what the provider says; never backwards, never out of a
    terminal status (a late "sent" does not overwrite "delivered"). Returns True if changed."""
    new = PROVIDER_STATUS.get((provider_status or "").lower())
    if new is None:
        return False
    current = message.status
    if current in TERMINAL or RANK[new] < RANK.get(current, 0):
        return False
    if RANK[new] == RANK.get(current, 0) and new == current:
        if message.provider_status != provider_status and RANK[new] < 3:
            message.provider_status = provider_status
        return False
    message.status = new
    message.provider_status = provider_status
    if error_code:
        message.error_code = error_code
    return True


def apply_status_callback(
    session: Session, sid: str, provider_status: str, error_code: int | None
) -> SmsMessage | None:
    """Record a status callback and move the message forward. Unknown sids are kept (the
    worker may not have committed the sid yet) and applied when it does."""
    message = session.scalar(select(SmsMessage).where(SmsMessage.provider_sid == sid))
    session.add(
        SmsStatusEvent(
            provider_sid=sid,
            status=(provider_status or "")[:20],
            error_code=error_code,
            message_id=message.id if message else None,
        )
    )
    if message is not None:
        advance_status(message, provider_status, error_code)
    session.flush()
    return message


def failed_messages(session: Session, limit: int = 100) -> list[SmsMessage]:
    """Outbound texts that failed or were undelivered, newest first (coordinators' view)."""
    return list(
        session.scalars(
            select(SmsMessage)
            .where(
                SmsMessage.direction == OUTBOUND,
                SmsMessage.status.in_((SMS_FAILED, SMS_UNDELIVERED)),
            )
            .order_by(SmsMessage.updated_at.desc())
            .limit(limit)
        )
    )
