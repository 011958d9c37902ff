"""Periodic sweeps the worker runs (``mutualaid.jobs`` wraps each and commits once). Each
takes a session and explicit arguments (tests pass a frozen clock) and is idempotent."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.geo.geocoding import Geocoder, GeocodeUnavailable, PlaceNotFound
from mutualaid.geo.grid import DEFAULT_CELL_M
from mutualaid.locations import apply_location, failed, found
from mutualaid.models import Need, Offer, Person, utcnow
from mutualaid.models.places import LOCATION_PENDING, Located
from mutualaid.needs import begin_matching
from mutualaid.offers import ask_stale_offers, expire_unconfirmed_offers

GEOCODE_RETRY_MAX_BACKOFF_MIN = 360


def _retry_due(row: Located, now: datetime) -> bool:
    if row.location_checked_at is None:
        return True
    backoff = min(5 * 2 ** min(row.location_attempts, 10), GEOCODE_RETRY_MAX_BACKOFF_MIN)
    return now - row.location_checked_at >= timedelta(minutes=backoff)


def retry_pending_locations(
    session: Session,
    geocoder: Geocoder,
    *,
    now: datetime | None = None,
    limit: int = 50,
    cell_m: float = DEFAULT_CELL_M,
    before_network: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Geocode needs, offers and people whose location is "pending" (the geocoder was down
    when they posted, or a text named a street the cache did not know). Found -> ok
    (snapped); unknown -> failed (the person is asked again); still down -> stays pending
    with a longer back-off, and the sweep stops early. ``before_network`` runs before each
    call over the network (the job commits there, so no lock is held while it waits)."""
    now = now or utcnow()
    counts = {"resolved": 0, "failed": 0, "still_pending": 0}
    rows: list[Offer | Person | Need] = []
    # Offers and people first, so a need resolved in the same sweep can be matched to them.
    for model in (Offer, Person, Need):
        rows.extend(
            session.scalars(
                select(model).where(model.location_status == LOCATION_PENDING).order_by(model.id)
            )
        )
    for row in [r for r in rows if _retry_due(r, now)][:limit]:
        try:
            place = geocoder.geocode(session, row.address_text, before_network=before_network)
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
                begin_matching(session, row, now)
        row.location_checked_at = now
    session.flush()
    return counts


def freshen_offers(
    session: Session,
    *,
    now: datetime | None = None,
    confirm_days: int = 30,
    expire_days: int = 14,
) -> tuple[list[Offer], list[Offer]]:
    """Ask helpers whose offers went unconfirmed for ``confirm_days``; expire those asked
    ``expire_days`` ago without an answer. Returns (asked, expired)."""
    expired = expire_unconfirmed_offers(session, now=now)
    asked = ask_stale_offers(session, now=now, confirm_days=confirm_days, expire_days=expire_days)
    return asked, expired
