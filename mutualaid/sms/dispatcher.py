"""The edge that sends: claim a due outbox row, commit, call the gateway (network I/O,
outside any transaction), record the outcome, commit.

Used by the Huey tasks in ``mutualaid.jobs`` (``send_sms`` per row after commit, and the
periodic ``sweep_sms`` that re-finds due rows so a lost task loses nothing). With
``QUEUE_URL=memory://`` (tests) ``enqueue_dispatch`` runs the send inline right after the
caller's commit, on the caller's database connection.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.models import SmsMessage
from mutualaid.settings import Settings
from mutualaid.sms import outbox
from mutualaid.sms.gateway import (
    AmbiguousSmsError,
    OptedOutError,
    PermanentSmsError,
    RetryableSmsError,
    SmsGateway,
    get_gateway,
)

log = logging.getLogger(__name__)


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


def status_callback_url(settings: Settings) -> str | None:
    return f"{settings.public_url}/sms/status" if settings.public_url else None


def _session(bind: Any = None) -> Session:
    if bind is None:
        from mutualaid.extensions import db

        bind = db.engine
    return Session(bind=bind, join_transaction_mode="create_savepoint", expire_on_commit=False)


def enqueue_dispatch(ids: Iterable[int], *, bind: Any = None) -> None:
    """Called after the commit that wrote the rows. Tasks carry ids only."""
    from mutualaid.queue import huey

    ids = list(ids)
    if huey.immediate:
        for message_id in ids:
            try:
                dispatch_message(message_id, bind=bind)
            except Exception:  # the row stays due; the sweep retries it
                log.exception("inline dispatch of sms %s failed", message_id)
        return
    from mutualaid.jobs import send_sms

    for message_id in ids:
        try:
            send_sms(message_id)
        except Exception:  # queue down: the periodic sweep finds the row later
            log.exception("could not enqueue sms %s; the sweep will pick it up", message_id)


def dispatch_message(
    message_id: int, *, bind: Any = None, gateway: SmsGateway | None = None
) -> str | None:
    """Send one outbox row if it is due. Returns its status afterwards (None if not ours)."""
    settings: Settings = current_app.config["MUTUALAID"]
    gateway = gateway or get_gateway()
    session = _session(bind)
    try:
        for _round in range(2):  # a second round only after a reconcile found nothing
            claim = outbox.claim(session, message_id, lease_seconds=settings.sms_lease_seconds)
            session.commit()
            if claim is None:
                return None
            if claim.reconcile_since is not None:
                if _reconcile(session, gateway, claim, settings):
                    break
                continue
            _send(session, gateway, claim, settings)
            break
        message = session.get(SmsMessage, message_id)
        return message.status if message else None
    finally:
        session.close()


def _reconcile(
    session: Session, gateway: SmsGateway, claim: outbox.Claim, settings: Settings
) -> bool:
    """Ask the provider whether an earlier attempt went out. True when settled (found, or
    the lookup failed and was rescheduled); False when the row was re-queued for sending."""
    assert claim.reconcile_since is not None
    try:
        found = gateway.find_sent(claim.to_number, claim.reconcile_since)
    except RetryableSmsError as exc:
        outbox.record_retry(
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
        outbox.record_failed(session, claim.id, error=f"reconcile: {exc}", code=exc.code)
        session.commit()
        return True
    known = set(
        session.scalars(
            select(SmsMessage.provider_sid).where(
                SmsMessage.provider_sid.in_([m.sid for m in found] or [""])
            )
        )
    )
    match = next((m for m in found if m.body == claim.body and m.sid not in known), None)
    if match is not None:
        log.info("sms %s reconciled: it went out as %s", claim.id, match.sid)
        outbox.record_sent(
            session,
            claim.id,
            sid=match.sid,
            provider_status=match.status,
            segments=None,
            attempts_used=0,
        )
        message = session.get(SmsMessage, claim.id)
        if message is not None:
            outbox.advance_status(message, match.status, match.error_code)
        session.commit()
        return True
    outbox.requeue_after_reconcile(session, claim.id)
    session.commit()
    return False


def _send(session: Session, gateway: SmsGateway, claim: outbox.Claim, settings: Settings) -> None:
    _pacer(settings).wait()
    try:
        result = gateway.send(claim.to_number, claim.body, status_callback_url(settings))
    except AmbiguousSmsError as exc:
        outbox.record_retry(
            session, claim.id, error=str(exc), code=exc.code, ambiguous=True, settings=settings
        )
    except RetryableSmsError as exc:
        outbox.record_retry(
            session, claim.id, error=str(exc), code=exc.code, ambiguous=False, settings=settings
        )
    except OptedOutError as exc:
        outbox.record_opted_out(session, claim.id, error=str(exc), code=exc.code)
    except PermanentSmsError as exc:
        log.warning("sms %s failed permanently: %s", claim.id, exc)
        outbox.record_failed(session, claim.id, error=str(exc), code=exc.code)
    else:
        outbox.record_sent(
            session,
            claim.id,
            sid=result.sid,
            provider_status=result.status,
            segments=result.segments,
        )
    session.commit()


def sweep(limit: int = 500, *, bind: Any = None) -> int:
    """Re-enqueue every due row (lost tasks, retries whose time has come, expired leases)."""
    session = _session(bind)
    try:
        ids = outbox.due_message_ids(session, limit)
        session.rollback()
    finally:
        session.close()
    enqueue_dispatch(ids, bind=bind)
    return len(ids)


def dispatch_due(limit: int = 500, *, bind: Any = None, gateway: SmsGateway | None = None) -> int:
    """Send every due row now, in this thread (benchmarks, `flask sms-dispatch`)."""
    session = _session(bind)
    try:
        ids = outbox.due_message_ids(session, limit)
        session.rollback()
    finally:
        session.close()
    for message_id in ids:
        dispatch_message(message_id, bind=bind, gateway=gateway)
    return len(ids)
