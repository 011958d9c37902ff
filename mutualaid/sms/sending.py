"""The worker's steps between the outbox and the gateway: claim due rows, record what the
provider said. Plain functions on a session: they flush and never commit (the dispatcher
commits around the network call).

Claims are made in batches: PostgreSQL locks the candidate rows with
``FOR UPDATE SKIP LOCKED`` (two workers never get the same row and never wait for each
other); on both databases the claiming UPDATE re-checks that the row is still due and
returns the ids it really took. A claimed row is "sending" with a lease; if the worker dies,
the lease runs out and the next claim reconciles with the provider before any resend.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from mutualaid.models import Person, SmsMessage, SmsStatusEvent, utcnow
from mutualaid.models.messages import (
    OUTBOUND,
    SMS_CANCELLED,
    SMS_FAILED,
    SMS_QUEUED,
    SMS_SENDING,
    SMS_SENT,
)
from mutualaid.models.people import CONSENT_OPTED_OUT
from mutualaid.settings import Settings
from mutualaid.sms import compliance
from mutualaid.sms.inbound import find_or_create_texter
from mutualaid.sms.outbox import advance_status


@dataclass(frozen=True)
class Claim:
    id: int
    to_number: str
    body: str
    attempts: int
    reconcile_since: datetime | None  # set when an earlier attempt may have gone out


@dataclass(frozen=True)
class Sent:
    claim: Claim
    sid: str
    provider_status: str
    segments: int | None


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        SmsMessage.direction == OUTBOUND,
        SmsMessage.status.in_((SMS_QUEUED, SMS_SENDING)),
        or_(SmsMessage.next_attempt_at.is_(None), SmsMessage.next_attempt_at <= now),
    )


def due_message_ids(session: Session, limit: int = 500) -> list[int]:
    """Rows that should be (re)tried now, highest priority first (outbox.py: codes, then
    invitations, then replies); includes "sending" rows whose lease ran out (a crashed or
    timed-out send, reconciled before any resend)."""
    now = utcnow()
    rows = session.scalars(
        select(SmsMessage.id)
        .where(_due(now))
        .order_by(SmsMessage.priority.desc(), SmsMessage.next_attempt_at, SmsMessage.id)
        .limit(limit)
    )
    return list(rows)


def claim_batch(
    session: Session, *, ids: list[int] | None = None, limit: int = 50, lease_seconds: int = 120
) -> list[Claim]:
    """Take up to ``limit`` due rows (only among ``ids`` if given), highest priority first.
    Rows whose recipient has opted out are cancelled here: opt-out is checked at send time."""
    now = utcnow()
    query = (
        select(
            SmsMessage.id,
            SmsMessage.status,
            SmsMessage.claimed_at,
            SmsMessage.attempts,
            SmsMessage.to_number,
            SmsMessage.body,
            SmsMessage.person_id,
        )
        .where(_due(now))
        .order_by(SmsMessage.priority.desc(), SmsMessage.next_attempt_at, SmsMessage.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(SmsMessage.id.in_(ids))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.execute(query).all()
    if not rows:
        return []
    taken = set(
        session.scalars(
            update(SmsMessage)
            .where(SmsMessage.id.in_([r.id for r in rows]), _due(now))
            .values(
                status=SMS_SENDING,
                claimed_at=now,
                next_attempt_at=now + timedelta(seconds=lease_seconds),
                updated_at=now,
            )
            .returning(SmsMessage.id)
            .execution_options(synchronize_session=False)
        )
    )
    rows = [r for r in rows if r.id in taken]
    opted_out = session.execute(
        select(Person.id, Person.phone).where(
            Person.sms_consent == CONSENT_OPTED_OUT,
            or_(
                Person.id.in_([r.person_id for r in rows if r.person_id]),
                Person.phone.in_({r.to_number for r in rows}),
            ),
        )
    ).all()
    out_ids = {p.id for p in opted_out}
    out_phones = {p.phone for p in opted_out}
    claims, cancelled = [], []
    for r in rows:
        since = None
        if r.status == SMS_SENDING and r.claimed_at is not None:
            since = r.claimed_at - timedelta(minutes=2)  # clock skew allowance
        if since is None and (r.person_id in out_ids or r.to_number in out_phones):
            cancelled.append(r.id)
            continue
        claims.append(Claim(r.id, r.to_number, r.body, r.attempts, since))
    if cancelled:
        _set(session, cancelled, status=SMS_CANCELLED, error_message="opted out")
    return claims


def _set(session: Session, ids: list[int], **values: object) -> None:
    values.setdefault("updated_at", utcnow())
    values.setdefault("next_attempt_at", None)
    session.execute(
        update(SmsMessage)
        .where(SmsMessage.id.in_(ids))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def record_sent_many(session: Session, sent: list[Sent], *, count_attempt: bool = True) -> None:
    """The provider accepted these texts: keep sid, status, segments; apply any status
    callback that arrived before the sid was recorded."""
    if not sent:
        return
    now = utcnow()
    rows = []
    for s in sent:
        row = {
            "id": s.claim.id,
            "status": SMS_SENT,
            "provider_sid": s.sid,
            "provider_status": s.provider_status,
            "sent_at": now,
            "updated_at": now,
            "next_attempt_at": None,
            "error_code": None,
            "error_message": "",
            "attempts": s.claim.attempts + (1 if count_attempt else 0),
        }
        if s.segments:
            row["segments"] = s.segments
        rows.append(row)
    # Rows have different key sets only when segments is missing; group for executemany.
    for keys in {tuple(sorted(r)) for r in rows}:
        session.execute(update(SmsMessage), [r for r in rows if tuple(sorted(r)) == keys])
    early = session.scalars(
        select(SmsStatusEvent)
        .where(
            SmsStatusEvent.provider_sid.in_([s.sid for s in sent]),
            SmsStatusEvent.message_id.is_(None),
        )
        .order_by(SmsStatusEvent.id)
    ).all()
    for event in early:
        message = session.scalar(
            select(SmsMessage).where(SmsMessage.provider_sid == event.provider_sid)
        )
        if message is not None:
            event.message_id = message.id
            advance_status(message, event.status, event.error_code)
    session.flush()


def record_sent(
    session: Session,
    message_id: int,
    *,
    sid: str,
    provider_status: str,
    segments: int | None,
    count_attempt: bool = True,
) -> None:
    message = session.get(SmsMessage, message_id)
    assert message is not None
    claim = Claim(message_id, message.to_number, message.body, message.attempts or 0, None)
    record_sent_many(
        session, [Sent(claim, sid, provider_status, segments)], count_attempt=count_attempt
    )
    session.refresh(message)


def backoff_seconds(attempts: int, settings: Settings) -> float:
    """Exponential backoff with a cap and +-10 % jitter: base * 2**(attempts-1)."""
    raw: int = settings.sms_retry_base_seconds * (2 ** max(0, attempts - 1))
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
    """A permanent failure (shown to coordinators with the person's texts)."""
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
    person = session.get(Person, message.person_id) if message.person_id else None
    if person is None:
        person = find_or_create_texter(session, message.to_number, consent=False)
    compliance.opt_out(session, person, source=f"provider error {code}", message_id=message_id)


def requeue_after_reconcile(session: Session, message_id: int) -> None:
    """Reconciliation found nothing at the provider: the row is sent as new."""
    _set(session, [message_id], status=SMS_QUEUED, next_attempt_at=utcnow())
