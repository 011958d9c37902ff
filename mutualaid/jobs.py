"""Huey tasks and the periodic schedule. Each task pushes its own app context and commits
once at its edge; domain functions never commit."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Flask, has_app_context
from huey import crontab

from mutualaid.queue import huey, record_heartbeat

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from mutualaid.geo.geocoding import Geocoder
    from mutualaid.models import Offer

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

_worker_app: Flask | None = None


def bind_worker_app(app: Flask) -> None:
    """The worker process calls this once so tasks can open an app context."""
    global _worker_app
    _worker_app = app


def with_app_context(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            return func(*args, **kwargs)
        if _worker_app is None:
            raise RuntimeError("worker app not bound; start the worker with `flask worker`")
        with _worker_app.app_context():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@huey.periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Lets /healthz say when the worker last ran."""
    record_heartbeat()


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def pod_invitation_cascade() -> None:
    """Expire overdue invitations and invite the next candidates (idempotent)."""
    from mutualaid.extensions import db
    from mutualaid.pods.cascade import expire_invitations

    expire_invitations(db.session)
    db.session.commit()


@huey.periodic_task(crontab(minute="7"))
@with_app_context
def pod_checkins() -> None:
    """Ask requesters of long-active pods whether they still need help (once per pod)."""
    from mutualaid.extensions import db
    from mutualaid.pods.lifecycle import send_checkins

    send_checkins(db.session)
    db.session.commit()


# --- Needs, offers and geocoding (issue 3) -------------------------------------------------
# The sweeps below take a session and explicit arguments so tests can call them with a frozen
# clock; the Huey tasks wrap them and commit once. Each sweep is idempotent.

GEOCODE_RETRY_MAX_BACKOFF_MIN = 360


def _retry_due(row: Any, now: datetime) -> bool:
    from datetime import timedelta

    if row.location_checked_at is None:
        return True
    backoff = min(5 * 2 ** min(row.location_attempts, 10), GEOCODE_RETRY_MAX_BACKOFF_MIN)
    return now - row.location_checked_at >= timedelta(minutes=backoff)


def retry_pending_locations(
    session: Session, geocoder: Geocoder, *, now: datetime | None = None, limit: int = 50
) -> dict[str, int]:
    """Geocode needs, offers and people whose location is "pending" (the geocoder was down
    when they posted). Found -> ok (snapped); unknown -> failed (the person is asked again);
    still down -> stays pending with a longer back-off, and the sweep stops early."""
    from sqlalchemy import select

    from mutualaid.geo.geocoding import GeocodeUnavailable, PlaceNotFound
    from mutualaid.locations import apply_location, failed, found
    from mutualaid.models import Need, Offer, Person, utcnow
    from mutualaid.models.places import LOCATION_PENDING

    now = now or utcnow()
    cell_m = _cell_m()
    counts = {"resolved": 0, "failed": 0, "still_pending": 0}
    rows = []
    # Offers and people first, so a need resolved in the same sweep can be matched to them.
    for model in (Offer, Person, Need):
        rows.extend(
            session.scalars(
                select(model).where(model.location_status == LOCATION_PENDING).order_by(model.id)
            )
        )
    for row in [r for r in rows if _retry_due(r, now)][:limit]:
        try:
            place = geocoder.geocode(session, row.address_text)
        except GeocodeUnavailable:
            row.location_attempts += 1
            row.location_checked_at = now
            counts["still_pending"] += 1
            break  # the service is down: do not hammer it with the rest
        except PlaceNotFound:
            apply_location(session, row, failed(row.address_text))
            counts["failed"] += 1
        else:
            apply_location(session, row, found(row.address_text, place, cell_m))
            counts["resolved"] += 1
            if isinstance(row, Need):
                # Posted while the geocoder was down: matching waited for the location.
                from mutualaid.needs import begin_matching

                begin_matching(session, row, now)
        row.location_checked_at = now
    session.flush()
    return counts


def _cell_m() -> int:
    from flask import current_app, has_app_context

    return current_app.config["MUTUALAID"].grid_cell_m if has_app_context() else 500


def freshen_offers(
    session: Session,
    *,
    now: datetime | None = None,
    confirm_days: int = 30,
    expire_days: int = 14,
) -> tuple[list[Offer], list[Offer]]:
    """Ask helpers whose offers went unconfirmed for ``confirm_days``; expire those asked
    ``expire_days`` ago without an answer. Returns (asked, expired)."""
    from mutualaid.offers import ask_stale_offers, expire_unconfirmed_offers

    expired = expire_unconfirmed_offers(session, now=now)
    asked = ask_stale_offers(session, now=now, confirm_days=confirm_days, expire_days=expire_days)
    return asked, expired


@huey.periodic_task(crontab(minute="*/5"))
@with_app_context
def geocode_retry() -> None:
    from mutualaid.extensions import db
    from mutualaid.geo.geocoding import current_geocoder

    counts = retry_pending_locations(db.session, current_geocoder())
    db.session.commit()
    if any(counts.values()):
        log.info("geocode retry: %s", counts)


@huey.periodic_task(crontab(minute="*/5"))
@with_app_context
def expire_needs() -> None:
    from mutualaid.extensions import db
    from mutualaid.needs import expire_due_needs

    expired = expire_due_needs(db.session)
    db.session.commit()
    if expired:
        log.info("expired %d needs", len(expired))


@huey.periodic_task(crontab(minute="17"))
@with_app_context
def offer_freshness() -> None:
    from flask import current_app

    from mutualaid.extensions import db

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


@huey.task()
@with_app_context
def send_sms(*message_ids: int) -> int:
    """Send the outbox rows one commit wrote (ids only), claimed in batches. With pacing on,
    one thread per process does the (slow) sending (``dispatch_paced``)."""
    from mutualaid.sms.dispatcher import dispatch_paced

    return dispatch_paced(list(message_ids))


@huey.task(priority=20)
@with_app_context
def process_inbound(message_id: int) -> bool:
    """Apply one inbound text the webhook stored (id only): keywords, the conversation
    layer, the reply. Idempotent and in arrival order per number (mutualaid.sms.intake)."""
    from mutualaid.sms.intake import process_stored

    return process_stored(message_id)


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def sweep_sms() -> int:
    """Re-enqueue inbound texts left unprocessed and due outbox rows: lost tasks, retries
    whose time came, expired leases."""
    from mutualaid.sms.dispatcher import dispatch_paced, sweep

    return sweep(send=False) + dispatch_paced()


@huey.periodic_task(crontab(minute="23", hour="3"))
@with_app_context
def purge_old_personal_data() -> None:
    """Daily: erase addresses, details, threads and texts of needs closed longer than the
    retention period (the admin's setting, else RETENTION_DAYS)."""
    from flask import current_app

    from mutualaid.admin_settings import retention_days
    from mutualaid.extensions import db
    from mutualaid.retention import purge_closed_needs

    days = retention_days(db.session, current_app.config["MUTUALAID"].retention_days)
    while purge_closed_needs(db.session, days=days):
        db.session.commit()
    db.session.commit()


# --- CSV imports (issue 8) ---------------------------------------------------------------


@huey.task()
@with_app_context
def csv_import(job_id: int) -> None:
    """Import one stored CSV upload, committing its progress every 100 rows."""
    from flask import current_app

    from mutualaid.extensions import db
    from mutualaid.web.coordinate.csv_routes import locate
    from mutualaid.workspace import import_jobs

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
            locate=locate,
            checkpoint=db.session.commit,
        )
        db.session.commit()
    except Exception as exc:
        log.exception("csv import %s failed", job_id)
        db.session.rollback()
        import_jobs.fail(db.session, job_id, f"{type(exc).__name__}: {exc}")
        db.session.commit()


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def resume_csv_imports() -> None:
    """Re-run imports whose task was lost (queue down, worker restarted); idempotent."""
    from mutualaid.extensions import db
    from mutualaid.workspace import import_jobs

    for job_id in import_jobs.stalled(db.session):
        csv_import.call_local(job_id)
