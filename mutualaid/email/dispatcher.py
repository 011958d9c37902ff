"""The edge that sends email: claim due outbox rows, commit, hand each message to the
backend (network I/O, outside any transaction), record the outcome, commit.

Rows written by ``outbox.queue_email`` are handed to the queue by this module's after-commit
hook (registered when it is imported; the app factory imports it). Used by the Huey tasks in
``mutualaid.jobs``: ``send_email`` for the rows of one commit, and the periodic
``sweep_email``, which sends every due row (lost tasks, retries whose time came, expired
leases). With ``QUEUE_URL=memory://`` (tests) ``enqueue_dispatch`` sends inline right after
the caller's commit, on the caller's database connection.

Each acceptance is recorded before the next message is handed over, so a worker killed
mid-batch leaves at most the message in hand unrecorded (sending.py: the reconcile rule). On
PostgreSQL the worker records it with one autocommitted UPDATE on a connection of its own
(one round trip right after the server's 250): the instant in which a kill leaves an
accepted message unrecorded is as short as it can be.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from mutualaid import queue
from mutualaid.email import sending
from mutualaid.email.backend import (
    EmailBackend,
    PermanentEmailError,
    RetryableEmailError,
    get_backend,
)
from mutualaid.email.compose import BadAddress, build
from mutualaid.email.outbox import PENDING_KEY
from mutualaid.extensions import db, worker_session
from mutualaid.models import OutboundEmail, Person, utcnow
from mutualaid.settings import Settings

log = logging.getLogger(__name__)

BATCH = 50
# Kinds whose address and text are erased once sent (the goodbye to a deleted account).
ERASE_AFTER_SENDING = frozenset({"account_deleted"})


def enqueue_dispatch(ids: Iterable[int], *, bind: Any = None) -> None:
    """Called after the commit that wrote the rows. Tasks carry ids only."""
    ids = list(ids)
    if queue.is_immediate():
        try:
            dispatch_ids(ids, bind=bind)
        except Exception:  # the rows stay due; the sweep retries them
            log.exception("inline dispatch of email %s failed", ids)
        return
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        try:
            queue.enqueue("send_email", *chunk)
        except Exception:  # queue down: the periodic sweep finds the rows later
            log.exception("could not enqueue email %s; the sweep will pick them up", chunk)


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT was released; the outer one goes on
        return
    ids = session.info.pop(PENDING_KEY, None)
    if ids:
        enqueue_dispatch(ids, bind=session.get_bind())


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: object) -> None:
    if not session.in_transaction():
        session.info.pop(PENDING_KEY, None)


def schedule_retry(email_id: int, due: datetime | None) -> None:
    """Run the retry when the backoff on the row says (best effort: the sweep also finds it)."""
    if due is None or queue.is_immediate():
        return
    delay = max(0.0, (due - utcnow()).total_seconds()) + 0.1
    try:
        queue.enqueue("send_email", email_id, delay=delay)
    except Exception:
        log.exception("could not schedule the retry of email %s; the sweep will", email_id)


def dispatch_ids(ids: list[int], *, bind: Any = None, backend: EmailBackend | None = None) -> int:
    """Send these outbox rows if they are due (the worker's task). Returns how many."""
    return _run(ids=list(ids), limit=len(ids), bind=bind, backend=backend)


def dispatch_due(
    limit: int = 10_000, *, bind: Any = None, backend: EmailBackend | None = None
) -> int:
    """Send every due row now, in batches, in this thread. Returns how many were handled."""
    return _run(ids=None, limit=limit, bind=bind, backend=backend)


def _run(
    *, ids: list[int] | None, limit: int, bind: Any = None, backend: EmailBackend | None = None
) -> int:
    settings: Settings = current_app.config["MUTUALAID"]
    # Several SMTP connections at once (EMAIL_CONNECTIONS) for the worker on the app's own
    # engine; a given backend or a test's connection goes one message at a time.
    lanes = settings.email_connections if backend is None and bind is None else 1
    backend = backend or get_backend()
    session = worker_session(bind)
    pool = ThreadPoolExecutor(max_workers=lanes) if lanes > 1 else None
    lane_backends = [backend] + [get_backend() for _ in range(lanes - 1)]
    handled = 0
    try:
        while handled < limit:
            claims = sending.claim_batch(
                session,
                ids=ids,
                limit=min(BATCH * lanes, limit - handled),
                lease_seconds=settings.email_lease_seconds,
            )
            session.commit()
            if not claims:
                break
            loaded = sending.load_batch(session, claims)
            session.commit()  # no transaction stays open across the SMTP calls
            work = [(c, loaded[c.id]) for c in claims if c.id in loaded]
            if pool is not None and len(work) > 1:
                _send_in_lanes(pool, work, settings, lane_backends)
            else:
                _send_lane(work, settings, session, backend, bind)
            handled += len(claims)
            if ids is not None:
                claimed = {c.id for c in claims}
                ids = [i for i in ids if i not in claimed]
                if not ids:
                    break
    finally:
        session.close()
        if pool is not None:
            pool.shutdown()
        for each in lane_backends:
            each.close()
    return handled


Work = list[tuple[sending.Claim, tuple[OutboundEmail, Person | None]]]


def _send_lane(
    work: Work, settings: Settings, session: Session, backend: EmailBackend, bind: Any
) -> None:
    """Send these messages one after the other over one connection."""
    recorder = _recorder(bind)
    try:
        for claim, loaded in work:
            _send_one(session, backend, claim, settings, loaded, recorder)
    finally:
        if recorder is not None:
            recorder.close()


def _send_in_lanes(
    pool: ThreadPoolExecutor, work: Work, settings: Settings, backends: list[EmailBackend]
) -> None:
    """Split a batch over the lanes, each with its own SMTP connection (kept for the whole
    run), database session and recorder; every message is still recorded the moment it is
    accepted."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]  # werkzeug proxy

    def lane(part: Work, backend: EmailBackend) -> None:
        with app.app_context():
            session = worker_session(None)
            try:
                _send_lane(part, settings, session, backend, None)
            finally:
                session.close()

    lanes = len(backends)
    parts = [(work[i::lanes], backends[i]) for i in range(lanes) if work[i::lanes]]
    for future in [pool.submit(lane, part, backend) for part, backend in parts]:
        future.result()


def _recorder(bind: Any) -> Connection | None:
    """The worker's autocommit connection for recording acceptances (PostgreSQL, the app's
    own engine only; tests pass a connection inside their transaction and use the session)."""
    if bind is not None:
        return None
    engine = db.engine
    if engine.dialect.name != "postgresql":
        return None
    return engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _send_one(
    session: Session,
    backend: EmailBackend,
    claim: sending.Claim,
    settings: Settings,
    loaded: tuple[OutboundEmail, Person | None],
    recorder: Connection | None = None,
) -> None:
    row, person = loaded
    if person is not None and person.deleted_at is not None:
        sending.record_cancelled(session, claim, "the account was deleted")
        session.commit()
        return
    try:
        message = build(
            email_from=settings.email_from,
            to_address=row.to_address,
            to_name=person.name if person is not None else "",
            subject=row.subject,
            body_text=row.body_text,
            body_html=row.body_html,
            message_id=row.message_id,
            created_at=row.created_at,
            unsubscribe_url=row.unsubscribe_url,
        )
    except BadAddress:
        sending.record_failed(session, claim, error="the address cannot be used", code=None)
        session.commit()
        return
    if claim.resend:
        log.warning("email %s: lease ran out mid-send; sending again as %s", row.id, row.message_id)
    try:
        backend.send(message)
    except RetryableEmailError as exc:
        _, due = sending.record_retry(
            session, claim, error=str(exc), code=exc.code, settings=settings
        )
        session.commit()
        schedule_retry(claim.id, due)
    except PermanentEmailError as exc:
        log.warning("email %s failed permanently: %s", claim.id, exc)
        sending.record_failed(session, claim, error=str(exc), code=exc.code)
        session.commit()
    else:
        erase = row.kind in ERASE_AFTER_SENDING
        if recorder is not None:
            recorder.execute(sending.sent_statement(claim, erase=erase))
        else:
            sending.record_sent(session, claim, erase=erase)
            session.commit()


def sweep(limit: int = 10_000, *, bind: Any = None) -> int:
    """The periodic safety net: every due row goes out (claims make overlapping safe)."""
    return dispatch_due(limit, bind=bind)
