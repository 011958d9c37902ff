"""Huey tasks and the periodic schedule. Each task pushes its own app context and commits
once at its edge; domain functions never commit."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Flask, current_app, has_app_context
from huey import crontab

from mutualaid.admin_settings import retention_days
from mutualaid.email import dispatcher as email_dispatcher
from mutualaid.email.digest import send_digests
from mutualaid.extensions import db
from mutualaid.geo.geocoding import current_geocoder
from mutualaid.needs import expire_due_needs
from mutualaid.pods.cascade import expire_invitations
from mutualaid.pods.lifecycle import send_checkins
from mutualaid.pods.newcomers import TASK as OFFERS_READY
from mutualaid.pods.newcomers import consider_offers
from mutualaid.queue import claim_tick, huey, is_immediate, record_heartbeat, register
from mutualaid.retention import purge_closed_needs
from mutualaid.sms.dispatcher import dispatch_paced, sweep
from mutualaid.sms.intake import process_stored
from mutualaid.sweeps import freshen_offers, retry_pending_locations
from mutualaid.workspace import import_jobs

log = logging.getLogger(__name__)
P = ParamSpec("P")
R = TypeVar("R")

_worker_app: Flask | None = None


def bind_worker_app(app: Flask) -> None:
    """The worker process calls this once so tasks can open an app context."""
    global _worker_app
    _worker_app = app


def once_per_tick(minutes: int) -> Callable[[Callable[P, R]], Callable[P, R | None]]:
    """A periodic task runs once per tick of ``minutes`` however many worker processes run
    the scheduler (``queue.claim_tick``); inline queues (tests) always run it."""

    def decorate(func: Callable[P, R]) -> Callable[P, R | None]:
        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R | None:
            if not is_immediate() and not claim_tick(func.__name__, minutes):
                log.debug("%s: another worker has this tick", func.__name__)
                return None
            return func(*args, **kwargs)

        return wrapper

    return decorate


def with_app_context(func: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        if has_app_context():
            return func(*args, **kwargs)
        if _worker_app is None:
            raise RuntimeError("worker app not bound; start the worker with `flask worker`")
        with _worker_app.app_context():
            return func(*args, **kwargs)

    return wrapper


@huey.periodic_task(crontab(minute="*"))
@once_per_tick(1)
def heartbeat() -> None:
    """Lets /healthz say when the worker last ran."""
    record_heartbeat()


@huey.periodic_task(crontab(minute="*"))
@once_per_tick(1)
@with_app_context
def pod_invitation_cascade() -> None:
    """Expire overdue invitations and invite the next candidates (idempotent)."""
    expire_invitations(db.session)
    db.session.commit()


@huey.periodic_task(crontab(minute="7"))
@once_per_tick(60)
@with_app_context
def pod_checkins() -> None:
    """Ask requesters of long-active pods whether they still need help (once per pod)."""
    send_checkins(db.session)
    db.session.commit()


# --- Needs, offers and geocoding (issue 3): the sweeps live in mutualaid.sweeps ------------


@huey.periodic_task(crontab(minute="*/5"))
@once_per_tick(5)
@with_app_context
def geocode_retry() -> None:
    counts = retry_pending_locations(
        db.session,
        current_geocoder(),
        cell_m=current_app.config["MUTUALAID"].grid_cell_m,
        before_network=db.session.commit,  # no lock held while the geocoder answers
    )
    db.session.commit()
    if any(counts.values()):
        log.info("geocode retry: %s", counts)


@huey.periodic_task(crontab(minute="*/5"))
@once_per_tick(5)
@with_app_context
def expire_needs() -> None:
    expired = expire_due_needs(db.session)
    db.session.commit()
    if expired:
        log.info("expired %d needs", len(expired))


@huey.periodic_task(crontab(minute="17"))
@once_per_tick(60)
@with_app_context
def offer_freshness() -> None:
    settings = current_app.config["MUTUALAID"]
    asked, expired = freshen_offers(
        db.session,
        confirm_days=settings.offer_confirm_days,
        expire_days=settings.offer_expire_days,
    )
    db.session.commit()
    if asked or expired:
        log.info("offers: asked %d to confirm, expired %d", len(asked), len(expired))


# --- SMS transport (issue 6) -------------------------------------------------------------


@register("send_sms")
@huey.task()
@with_app_context
def send_sms(*message_ids: int) -> int:
    """Send the outbox rows one commit wrote (ids only), claimed in batches. With pacing on,
    one thread per process does the (slow) sending (``dispatch_paced``)."""
    return dispatch_paced(list(message_ids))


@register(OFFERS_READY)
@huey.task(priority=15)
@with_app_context
def offers_ready(*offer_ids: int) -> int:
    """Offers posted, resumed, confirmed or widened, or whose helper has a seat free again:
    the needs waiting in reach consider them now (``mutualaid.pods.newcomers``)."""
    invited = consider_offers(db.session, offer_ids)
    db.session.commit()
    return invited


@register("process_inbound")
@huey.task(priority=20)
@with_app_context
def process_inbound(message_id: int) -> bool:
    """Apply one inbound text the webhook stored (id only): keywords, the conversation
    layer, the reply. Idempotent and in arrival order per number (mutualaid.sms.intake)."""
    return process_stored(message_id)


@huey.periodic_task(crontab(minute="*"))
@once_per_tick(1)
@with_app_context
def sweep_sms() -> int:
    """Re-enqueue inbound texts left unprocessed and due outbox rows: lost tasks, retries
    whose time came, expired leases."""
    return sweep(send=False) + dispatch_paced()


# --- Email (issue 19) ----------------------------------------------------------------------


@register("send_email")
@huey.task()
@with_app_context
def send_email(*email_ids: int) -> int:
    """Send the email outbox rows one commit wrote (ids only)."""
    return email_dispatcher.dispatch_ids(list(email_ids))


@huey.periodic_task(crontab(minute="*"))
@once_per_tick(1)
@with_app_context
def sweep_email() -> int:
    """Due email rows: lost tasks, retries whose time came, expired leases."""
    return email_dispatcher.sweep()


@huey.periodic_task(crontab(minute="*"))
@once_per_tick(1)
@with_app_context
def thread_digests() -> int:
    """Group messages to email readers: one digest per group per EMAIL_DIGEST_MINUTES."""
    sent = send_digests(
        db.session, interval_minutes=current_app.config["MUTUALAID"].email_digest_minutes
    )
    db.session.commit()
    return sent


@huey.periodic_task(crontab(minute="23", hour="3"))
@once_per_tick(1440)
@with_app_context
def purge_old_personal_data() -> None:
    """Daily: erase addresses, details, threads and texts of needs closed longer than the
    retention period (the admin's setting, else RETENTION_DAYS)."""
    days = retention_days(db.session, current_app.config["MUTUALAID"].retention_days)
    while purge_closed_needs(db.session, days=days):
        db.session.commit()
    db.session.commit()


# --- CSV imports (issue 8) ---------------------------------------------------------------


@register("csv_import")
@huey.task()
@with_app_context
def csv_import(job_id: int) -> None:
    """Import one stored CSV upload, committing its progress every 100 rows."""
    job = import_jobs.claim(db.session, job_id)
    if job is None:
        db.session.rollback()
        return
    db.session.commit()
    try:
        import_jobs.run_import(
            db.session,
            job,
            passwords=current_app.extensions["passwords"],
            checkpoint=db.session.commit,
        )
        db.session.commit()
    except Exception as exc:
        log.exception("csv import %s failed", job_id)
        db.session.rollback()
        import_jobs.fail(db.session, job_id, f"{type(exc).__name__}: {exc}")
        db.session.commit()


@huey.periodic_task(crontab(minute="*"))
@once_per_tick(1)
@with_app_context
def resume_csv_imports() -> None:
    """Re-run imports whose task was lost (queue down, worker restarted); idempotent."""
    for job_id in import_jobs.stalled(db.session):
        csv_import.call_local(job_id)
