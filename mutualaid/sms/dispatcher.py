"""The edge that sends: claim due outbox rows, commit, call the gateway (network I/O,
outside any transaction), record the outcomes, commit.

Rows written by ``outbox.queue_sms`` are handed to the queue by this module's after-commit
hook (registered when it is imported; the app factory imports it). Used by the Huey tasks
in ``mutualaid.jobs``: ``send_sms`` for one row right after the commit that wrote it, and
the periodic ``sweep_sms``, which sends every due row in batches (lost tasks, retries whose
time came, expired leases) so a lost task loses nothing. With
``QUEUE_URL=memory://`` (tests) ``enqueue_dispatch`` sends inline right after the caller's
commit, on the caller's database connection.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from mutualaid import queue
from mutualaid.extensions import worker_session
from mutualaid.models import SmsMessage, utcnow
from mutualaid.settings import Settings
from mutualaid.sms import sending, spool
from mutualaid.sms.gateway import (
    AmbiguousSmsError,
    OptedOutError,
    PermanentSmsError,
    RetryableSmsError,
    SmsGateway,
    get_gateway,
)
from mutualaid.sms.inbound import store_inbound
from mutualaid.sms.intake import enqueue_inbound, requeue_unprocessed
from mutualaid.sms.outbox import PENDING_KEY, adopt_early_callbacks, advance_status

log = logging.getLogger(__name__)

BATCH = 50


class Pacer:
    """At most ``rate`` sends per second from this process (0 = no pacing)."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if self.rate <= 0:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + 1.0 / self.rate
        delay = slot - now
        if delay > 0:
            time.sleep(delay)


def _pacer(settings: Settings) -> Pacer:
    pacer = current_app.extensions.get("sms_pacer")
    if pacer is None or pacer.rate != settings.sms_rate_per_second:
        pacer = Pacer(settings.sms_rate_per_second)
        current_app.extensions["sms_pacer"] = pacer
    return pacer


def _batch_size(settings: Settings, limit: int) -> int:
    """Small enough that a paced batch finishes well inside the lease."""
    size = min(BATCH, limit)
    if settings.sms_rate_per_second > 0:
        size = min(size, max(1, int(settings.sms_lease_seconds * settings.sms_rate_per_second / 2)))
    return max(1, size)


def status_callback_url(settings: Settings) -> str | None:
    return f"{settings.public_url}/sms/status" if settings.public_url else None


def _session(bind: Any = None) -> Session:
    return worker_session(bind)


def enqueue_dispatch(ids: Iterable[int], *, bind: Any = None) -> None:
    """Called after the commit that wrote the rows. Tasks carry ids only."""
    ids = list(ids)
    if queue.is_immediate():
        try:
            _run(ids=ids, limit=len(ids), bind=bind)
        except Exception:  # the rows stay due; the sweep retries them
            log.exception("inline dispatch of sms %s failed", ids)
        return
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        try:
            queue.enqueue("send_sms", *chunk)  # one task per commit (per 50 rows): ids only
        except Exception:  # queue down: the periodic sweep finds the rows later
            log.exception("could not enqueue sms %s; the sweep will pick them up", chunk)


@event.listens_for(Session, "after_commit")
def _enqueue_after_commit(session: Session) -> None:
    """Rows that ``outbox.queue_sms`` wrote go out once their transaction commits."""
    if session.in_nested_transaction():  # a SAVEPOINT was released; the outer one goes on
        return
    ids = session.info.pop(PENDING_KEY, None)
    if ids:
        enqueue_dispatch(ids, bind=session.get_bind())


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: object) -> None:
    if not session.in_transaction():
        session.info.pop(PENDING_KEY, None)


def schedule_retry(message_id: int, due: datetime | None) -> None:
    """A retry is due at ``due`` (the backoff recorded on the row): ask the queue to run it
    then, so the backoff is what the row says rather than the sweep's minute. Best effort:
    the periodic sweep still finds the row if this task is lost."""
    if due is None or queue.is_immediate():
        return
    delay = max(0.0, (due - utcnow()).total_seconds()) + 0.1
    try:
        queue.enqueue("send_sms", message_id, delay=delay)
    except Exception:  # queue down: the periodic sweep finds the row later
        log.exception("could not schedule the retry of sms %s; the sweep will", message_id)


def dispatch_message(
    message_id: int, *, bind: Any = None, gateway: SmsGateway | None = None
) -> str | None:
    """Send one outbox row if it is due. Returns its status if this call handled it."""
    handled = _run(ids=[message_id], limit=1, bind=bind, gateway=gateway)
    if not handled:
        return None
    session = _session(bind)
    try:
        return session.scalar(select(SmsMessage.status).where(SmsMessage.id == message_id))
    finally:
        session.close()


def dispatch_ids(ids: list[int], *, bind: Any = None, gateway: SmsGateway | None = None) -> int:
    """Send these outbox rows if they are due (the worker's task). Returns how many."""
    return _run(ids=list(ids), limit=len(ids), bind=bind, gateway=gateway)


def dispatch_due(
    limit: int = 10_000, *, bind: Any = None, gateway: SmsGateway | None = None
) -> int:
    """Send every due row now, in batches, in this thread. Returns how many were handled."""
    return _run(ids=None, limit=limit, bind=bind, gateway=gateway)


_paced_gate = threading.Lock()
_paced_more = threading.Event()


def dispatch_paced(ids: list[int] | None = None, *, bind: Any = None) -> int:
    """The worker tasks' way to send. Without pacing: these rows (or, for None, every due
    row). With pacing, ONE thread per process sends: it sends every due row (replies first),
    and a task arriving meanwhile only flags "more" and returns at once, so a paced backlog
    (1 text/s on a long code) holds one worker thread, not all of them, and inbound texts
    keep being applied. Returns how many rows this call handled."""
    settings: Settings = current_app.config["MUTUALAID"]
    if settings.sms_rate_per_second <= 0:
        return dispatch_due(bind=bind) if ids is None else dispatch_ids(ids, bind=bind)
    _paced_more.set()
    handled = 0
    # Checked after each release: "more" flagged while we sent is never left behind.
    while _paced_more.is_set() and _paced_gate.acquire(blocking=False):
        try:
            _paced_more.clear()
            handled += dispatch_due(bind=bind)
        finally:
            _paced_gate.release()
    return handled


def sweep(limit: int = 10_000, *, bind: Any = None, send: bool = True) -> int:
    """The periodic safety net: inbound texts left unprocessed are enqueued again, everything
    due goes out (claims make it safe to overlap; ``send=False`` leaves that to the caller),
    and status callbacks that raced the worker's commit are applied. Returns how many
    outbound rows were handled."""
    drain_spool(bind=bind)
    requeue_unprocessed(bind=bind)

    session = _session(bind)
    try:
        adopted = adopt_early_callbacks(session)
        session.commit()
    finally:
        session.close()
    if adopted:
        log.info("applied %d status callbacks that arrived before their sid was recorded", adopted)
    return dispatch_due(limit, bind=bind) if send else 0


def drain_spool(*, bind: Any = None) -> int:
    """Store the texts the webhook spooled while the database was down (one commit per
    file; a MessageSid already stored is skipped) and hand the new ones to the worker."""
    settings: Settings = current_app.config["MUTUALAID"]

    def store(rows: list[dict[str, Any]]) -> None:
        session = _session(bind)
        try:
            ids = [store_inbound(session, **row) for row in rows]
            session.commit()
        finally:
            session.close()
        for message_id in ids:
            if message_id is not None:
                enqueue_inbound(message_id)

    return spool.drain(Path(settings.sms_spool_dir), store)


def _run(
    *, ids: list[int] | None, limit: int, bind: Any = None, gateway: SmsGateway | None = None
) -> int:
    settings: Settings = current_app.config["MUTUALAID"]
    gateway = gateway or get_gateway()
    session = _session(bind)
    handled = 0
    try:
        while handled < limit:
            claims = sending.claim_batch(
                session,
                ids=ids,
                limit=min(_batch_size(settings, limit), limit - handled),
                lease_seconds=settings.sms_lease_seconds,
            )
            session.commit()
            if not claims:
                break
            requeued = _process(session, gateway, claims, settings)
            handled += len(claims) - len(requeued)  # re-queued rows are claimed again
            if ids is not None:  # the rest of those we were asked about, and re-queued ones
                claimed = {c.id for c in claims}
                ids = [i for i in ids if i not in claimed] + requeued
                if not ids:
                    break
    finally:
        session.close()
    return handled


def _process(
    session: Session, gateway: SmsGateway, claims: list[sending.Claim], settings: Settings
) -> list[int]:
    """Send (or reconcile) each claim. Successes are recorded in one commit per batch; a
    failure is recorded and committed at once, so no transaction stays open across the
    network calls. Returns the ids a reconcile put back in the queue (nothing went out)."""
    sent: list[sending.Sent] = []
    requeued: list[int] = []
    callback = status_callback_url(settings)
    pacer = _pacer(settings)
    try:
        for claim in claims:
            if claim.reconcile_since is not None:
                if not _reconcile(session, gateway, claim, settings):
                    requeued.append(claim.id)
                continue
            pacer.wait()
            try:
                result = gateway.send(claim.to_number, claim.body, callback)
            except RetryableSmsError as exc:
                ambiguous = isinstance(exc, AmbiguousSmsError)
                sending.record_retry(
                    session, claim.id, error=str(exc), code=exc.code, ambiguous=ambiguous,
                    settings=settings,
                )  # fmt: skip
                due = session.scalar(
                    select(SmsMessage.next_attempt_at).where(SmsMessage.id == claim.id)
                )
                session.commit()
                schedule_retry(claim.id, due)
            except OptedOutError as exc:
                sending.record_opted_out(session, claim.id, error=str(exc), code=exc.code)
                session.commit()
            except PermanentSmsError as exc:
                log.warning("sms %s failed permanently: %s", claim.id, exc)
                sending.record_failed(session, claim.id, error=str(exc), code=exc.code)
                session.commit()
            else:
                sent.append(sending.Sent(claim, result.sid, result.status, result.segments))
    finally:
        # Whatever happened above, record what did go out (unrecorded rows stay "sending"
        # and are reconciled when their lease runs out).
        sending.record_sent_many(session, sent)
        session.commit()
    return requeued


def _reconcile(
    session: Session, gateway: SmsGateway, claim: sending.Claim, settings: Settings
) -> bool:
    """Ask the provider whether an earlier attempt went out. True when settled (found, or
    the lookup failed and was rescheduled); False when the row was re-queued for sending."""
    assert claim.reconcile_since is not None
    try:
        found = gateway.find_sent(claim.to_number, claim.reconcile_since)
    except RetryableSmsError as exc:
        sending.record_retry(
            session,
            claim.id,
            error=f"reconcile: {exc}",
            code=exc.code,
            ambiguous=True,
            settings=settings,
        )
        session.commit()
        return True
    except PermanentSmsError as exc:
        sending.record_failed(session, claim.id, error=f"reconcile: {exc}", code=exc.code)
        session.commit()
        return True
    sids = [m.sid for m in found] or [""]
    known = set(
        session.scalars(select(SmsMessage.provider_sid).where(SmsMessage.provider_sid.in_(sids)))
    )
    match = next((m for m in found if m.body == claim.body and m.sid not in known), None)
    if match is not None:
        log.info("sms %s reconciled: it went out as %s", claim.id, match.sid)
        sending.record_sent(
            session,
            claim.id,
            sid=match.sid,
            provider_status=match.status,
            segments=None,
            count_attempt=False,
        )
        message = session.get(SmsMessage, claim.id)
        if message is not None:
            advance_status(message, match.status, match.error_code)
        session.commit()
        return True
    sending.requeue_after_reconcile(session, claim.id)
    session.commit()
    return False
