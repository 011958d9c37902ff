"""The worker's steps between the email outbox and the backend: claim due rows, record what
the server said. Plain functions on a session: they flush and never commit.

Claims: PostgreSQL locks candidate rows ``FOR UPDATE SKIP LOCKED``; on both databases the
claiming UPDATE re-checks that the row is still due and returns the ids it really took. A
claimed row is "sending" with a lease (``EMAIL_LEASE_SECONDS``).

Reconcile rule (docs/reliability.md): SMTP cannot be asked afterwards whether a message went
out. A row still "sending" when its lease runs out (the worker died between handing the
message over and recording it) is sent again **with the same Message-ID**, so the receiving
side can recognise the copy; the dispatcher records each acceptance at once, which keeps
that window to the one message a worker thread is handing over when it dies.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Update, and_, or_, select, update
from sqlalchemy.orm import Session

from mutualaid.models import OutboundEmail, Person, utcnow
from mutualaid.models.email import (
    EMAIL_CANCELLED,
    EMAIL_FAILED,
    EMAIL_QUEUED,
    EMAIL_SENDING,
    EMAIL_SENT,
)
from mutualaid.settings import Settings


@dataclass(frozen=True)
class Claim:
    id: int
    attempts: int
    resend: bool  # an earlier attempt may have gone out (same Message-ID again)


def _due(now: datetime) -> ColumnElement[bool]:
    return and_(
        OutboundEmail.status.in_((EMAIL_QUEUED, EMAIL_SENDING)),
        or_(OutboundEmail.next_attempt_at.is_(None), OutboundEmail.next_attempt_at <= now),
    )


def claim_batch(
    session: Session, *, ids: list[int] | None = None, limit: int = 50, lease_seconds: int = 120
) -> list[Claim]:
    """Take up to ``limit`` due rows (only among ``ids`` if given), highest priority first.
    Rows to a person who has since deleted their account are cancelled here."""
    now = utcnow()
    query = (
        select(OutboundEmail.id, OutboundEmail.status, OutboundEmail.attempts)
        .where(_due(now))
        .order_by(OutboundEmail.priority.desc(), OutboundEmail.next_attempt_at, OutboundEmail.id)
        .limit(limit)
    )
    if ids is not None:
        query = query.where(OutboundEmail.id.in_(ids))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    rows = session.execute(query).all()
    if not rows:
        return []
    taken = set(
        session.scalars(
            update(OutboundEmail)
            .where(OutboundEmail.id.in_([r.id for r in rows]), _due(now))
            .values(
                status=EMAIL_SENDING,
                claimed_at=now,
                next_attempt_at=now + timedelta(seconds=lease_seconds),
                updated_at=now,
            )
            .returning(OutboundEmail.id)
            .execution_options(synchronize_session=False)
        )
    )
    return [Claim(r.id, r.attempts or 0, r.status == EMAIL_SENDING) for r in rows if r.id in taken]


def load_batch(
    session: Session, claims: list[Claim]
) -> dict[int, tuple[OutboundEmail, Person | None]]:
    """The rows of these claims and their people, in two queries."""
    rows = session.scalars(
        select(OutboundEmail).where(OutboundEmail.id.in_([c.id for c in claims]))
    ).all()
    person_ids = {r.person_id for r in rows if r.person_id is not None}
    people = (
        {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}
        if person_ids
        else {}
    )
    return {r.id: (r, people.get(r.person_id) if r.person_id is not None else None) for r in rows}


def _set(session: Session, ids: list[int], **values: object) -> None:
    values.setdefault("updated_at", utcnow())
    values.setdefault("next_attempt_at", None)
    session.execute(
        update(OutboundEmail)
        .where(OutboundEmail.id.in_(ids))
        .values(**values)
        .execution_options(synchronize_session=False)
    )


def sent_statement(claim: Claim, *, erase: bool = False) -> Update:
    """The UPDATE that records an acceptance. ``erase``: keep no trace of the address and
    text (the last email to a deleted account)."""
    now = utcnow()
    values: dict[str, object] = {
        "status": EMAIL_SENT,
        "sent_at": now,
        "updated_at": now,
        "next_attempt_at": None,
        "attempts": claim.attempts + 1,
        "error_code": None,
        "error_message": "",
    }
    if erase:
        values.update(to_address="", body_text="", body_html="")
    return update(OutboundEmail).where(OutboundEmail.id == claim.id).values(**values)


def record_sent(session: Session, claim: Claim, *, erase: bool = False) -> None:
    """The server accepted it (see ``sent_statement``)."""
    session.execute(sent_statement(claim, erase=erase).execution_options(synchronize_session=False))


def record_cancelled(session: Session, claim: Claim, reason: str) -> None:
    _set(session, [claim.id], status=EMAIL_CANCELLED, error_message=reason[:500])


def backoff_seconds(attempts: int, settings: Settings) -> float:
    """Exponential backoff with a cap and +-10 % jitter: base * 2**(attempts-1)."""
    raw: int = settings.email_retry_base_seconds * (2 ** max(0, attempts - 1))
    return min(raw, settings.email_retry_max_seconds) * random.uniform(0.9, 1.1)


def record_retry(
    session: Session, claim: Claim, *, error: str, code: int | None, settings: Settings
) -> tuple[str, datetime | None]:
    """A temporary failure: back off, or give up after EMAIL_MAX_ATTEMPTS (then "failed",
    shown to coordinators). Returns the new status and when the next attempt is due."""
    attempts = claim.attempts + 1
    if attempts >= settings.email_max_attempts:
        _set(
            session, [claim.id], status=EMAIL_FAILED, attempts=attempts, error_code=code,
            error_message=f"gave up after {attempts} attempts: {error}"[:500],
        )  # fmt: skip
        return EMAIL_FAILED, None
    due = utcnow() + timedelta(seconds=backoff_seconds(attempts, settings))
    _set(
        session, [claim.id], status=EMAIL_QUEUED, attempts=attempts, error_code=code,
        error_message=error[:500], next_attempt_at=due,
    )  # fmt: skip
    return EMAIL_QUEUED, due


def record_failed(session: Session, claim: Claim, *, error: str, code: int | None) -> None:
    """A permanent failure (5xx): recorded and shown to coordinators."""
    _set(
        session, [claim.id], status=EMAIL_FAILED, attempts=claim.attempts + 1, error_code=code,
        error_message=error[:500],
    )  # fmt: skip


def failed_for(session: Session, person_ids: list[int], limit: int = 20) -> list[OutboundEmail]:
    """The latest emails that failed for good, to these people (for coordinators)."""
    if not person_ids:
        return []
    return list(
        session.scalars(
            select(OutboundEmail)
            .where(OutboundEmail.person_id.in_(person_ids), OutboundEmail.status == EMAIL_FAILED)
            .order_by(OutboundEmail.id.desc())
            .limit(limit)
        )
    )
