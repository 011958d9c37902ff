"""Offers: posting, editing, pause/resume/delete, availability and freshness.

Plain functions taking a session; they flush, never commit, never do network I/O.

Freshness: ``last_confirmed_at`` moves whenever the helper posts, edits, resumes or
confirms. After ``OFFER_CONFIRM_DAYS`` without confirmation the freshness job calls
:func:`request_offer_confirmation` (a web banner now; the SMS work wires a text to it), and
an offer still unconfirmed ``OFFER_EXPIRE_DAYS`` after the ask expires.

Availability (fixed format, other modules read it): ``{"any_time": true}`` or
``{"any_time": false, "windows": [{"days": [0, 1, 2, 3, 4], "start": "18:00",
"end": "21:00"}]}``; Monday is 0; times are the area's local time (Area.timezone).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid import categories
from mutualaid.i18n import _, _l, current_language
from mutualaid.locations import Location, apply_location
from mutualaid.models import Offer, Person
from mutualaid.models.base import utcnow
from mutualaid.models.offers import OFFER_ACTIVE, OFFER_DELETED, OFFER_EXPIRED, OFFER_PAUSED
from mutualaid.notify import notify

DEFAULT_RADIUS_KM, MIN_RADIUS_KM, MAX_RADIUS_KM = 3.0, 0.5, 50.0
MIN_CAPACITY, MAX_CAPACITY = 1, 5
ANY_TIME = {"any_time": True}
TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


# Offers that just became available to match (posted, edited, resumed, confirmed) or whose
# helper just got a seat back. ``mutualaid.pods.newcomers`` reads this set once the
# transaction commits and lets the needs already waiting in reach consider them.
READY_KEY = "mutualaid.offers_ready"


def mark_ready(session: Session, offer: Offer) -> None:
    """After this transaction commits, waiting needs in reach consider ``offer``."""
    if offer.status == OFFER_ACTIVE and offer.id is not None:
        session.info.setdefault(READY_KEY, set()).add(offer.id)


def mark_helper_ready(session: Session, person_id: int) -> None:
    """The helper has a seat free again: their active offers count as newly available."""
    for offer_id in session.scalars(
        select(Offer.id).where(Offer.helper_id == person_id, Offer.status == OFFER_ACTIVE)
    ):
        session.info.setdefault(READY_KEY, set()).add(offer_id)


class OfferError(ValueError):
    """A rule about offers was broken; ``field`` says which input to point at."""

    def __init__(self, message: object, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass
class OfferInput:
    categories: list[str]
    radius_km: float = DEFAULT_RADIUS_KM
    availability: dict[str, Any] = field(default_factory=lambda: dict(ANY_TIME))
    capacity: int = 1
    notes: str = ""


def normalise_availability(value: dict[str, Any] | None) -> dict[str, Any]:
    """Check and tidy an availability document; raises OfferError with field availability."""
    if not value or value.get("any_time") is True:
        return dict(ANY_TIME)
    windows = value.get("windows")
    if not isinstance(windows, list) or not windows:
        raise OfferError(_l("Choose “any time”, or at least one day and a time window."), "days")
    out = []
    for w in windows:
        days = sorted({int(d) for d in w.get("days", []) if str(d).isdecimal() and int(d) <= 6})
        if not days:
            raise OfferError(_l("Choose at least one day of the week."), "days")
        start, end = str(w.get("start", "")), str(w.get("end", ""))
        if not TIME.match(start) or not TIME.match(end):
            raise OfferError(_l("Enter times as HH:MM, like 18:00."), "start")
        if end <= start:
            raise OfferError(_l("The end time must be after the start time."), "end")
        out.append({"days": days, "start": start, "end": end})
    return {"any_time": False, "windows": out}


def _validate(data: OfferInput, current: Iterable[str] = ()) -> tuple[list[str], dict[str, Any]]:
    """``current``: the offer's own categories, which stay allowed once deactivated."""
    cats = sorted(set(data.categories or []))
    if not cats:
        raise OfferError(_l("Choose at least one thing you can help with."), "categories")
    kept = set(current)
    if any(not (categories.is_offered(c) or c in kept) for c in cats):
        raise OfferError(_l("Choose categories from the list."), "categories")
    if data.radius_km is None or not MIN_RADIUS_KM <= data.radius_km <= MAX_RADIUS_KM:
        raise OfferError(_l("Travel distance must be between 0.5 and 50 km."), "radius_km")
    if data.capacity is None or not MIN_CAPACITY <= data.capacity <= MAX_CAPACITY:
        raise OfferError(_l("You can join between 1 and 5 pods at once."), "capacity")
    if len(data.notes or "") > 2000:
        raise OfferError(_l("Keep the notes under 2000 characters."), "notes")
    return cats, normalise_availability(data.availability)


def _confirm(offer: Offer, now: datetime) -> None:
    offer.last_confirmed_at = now
    offer.confirm_asked_at = None
    offer.expires_at = None


def _revive(session: Session, offer: Offer, now: datetime) -> Offer:
    """The helper touched the offer (edited or confirmed it): an expired offer is active
    again, and it counts as freshly confirmed."""
    if offer.status == OFFER_EXPIRED:
        offer.status = OFFER_ACTIVE
    _confirm(offer, now)
    offer.updated_at = now
    session.flush()
    mark_ready(session, offer)
    return offer


def post_offer(
    session: Session,
    helper: Person,
    data: OfferInput,
    location: Location,
    *,
    now: datetime | None = None,
) -> Offer:
    now = now or utcnow()
    cats, availability = _validate(data)
    offer = Offer(
        helper_id=helper.id,
        radius_km=float(data.radius_km),
        availability=availability,
        capacity=int(data.capacity),
        notes=(data.notes or "").strip(),
        status=OFFER_ACTIVE,
        created_at=now,
        updated_at=now,
    )
    _confirm(offer, now)
    offer.set_categories(cats)
    apply_location(session, offer, location)
    session.add(offer)
    session.flush()
    mark_ready(session, offer)
    return offer


def edit_offer(
    session: Session,
    offer: Offer,
    data: OfferInput,
    location: Location | None = None,
    *,
    now: datetime | None = None,
) -> Offer:
    """Change an offer (counts as a confirmation). ``location`` None keeps the current one."""
    if offer.status == OFFER_DELETED:
        raise OfferError(_l("This offer was deleted."))
    now = now or utcnow()
    cats, availability = _validate(data, offer.categories)
    offer.set_categories(cats)
    offer.radius_km = float(data.radius_km)
    offer.availability = availability
    offer.capacity = int(data.capacity)
    offer.notes = (data.notes or "").strip()
    if location is not None:
        apply_location(session, offer, location)
    return _revive(session, offer, now)


def pause_offer(session: Session, offer: Offer, now: datetime | None = None) -> Offer:
    if offer.status != OFFER_ACTIVE:
        raise OfferError(_l("Only an active offer can be paused."))
    offer.status = OFFER_PAUSED
    offer.updated_at = now or utcnow()
    session.flush()
    return offer


def resume_offer(session: Session, offer: Offer, now: datetime | None = None) -> Offer:
    """Paused or expired -> active; resuming confirms the offer is fresh."""
    if offer.status not in (OFFER_PAUSED, OFFER_EXPIRED):
        raise OfferError(_l("Only a paused or expired offer can be resumed."))
    now = now or utcnow()
    offer.status = OFFER_ACTIVE
    _confirm(offer, now)
    offer.updated_at = now
    session.flush()
    mark_ready(session, offer)
    return offer


def confirm_offer(session: Session, offer: Offer, now: datetime | None = None) -> Offer:
    """The helper says "still available"."""
    if offer.status == OFFER_DELETED:
        raise OfferError(_l("This offer was deleted."))
    return _revive(session, offer, now or utcnow())


def delete_offer(session: Session, offer: Offer, now: datetime | None = None) -> Offer:
    """Soft delete: matching ignores it, the helper no longer sees it."""
    offer.status = OFFER_DELETED
    offer.updated_at = now or utcnow()
    session.flush()
    return offer


def request_offer_confirmation(
    session: Session,
    offer: Offer,
    *,
    now: datetime | None = None,
    expire_days: int = 14,
) -> None:
    """Ask the helper whether the offer still stands: records the ask (the web shows a
    banner while ``confirm_asked_at`` is set), when the offer will expire unanswered, and
    notifies the helper (a text for people who get texts; RESUME confirms)."""
    now = now or utcnow()
    offer.confirm_asked_at = now
    offer.expires_at = now + timedelta(days=expire_days)
    session.flush()

    def labels() -> str:
        return ", ".join(categories.name_of(c, current_language()) for c in offer.categories)

    notify(
        session,
        offer.helper,
        "offer_confirm",
        lambda: _("Are you still available to help (%(what)s)? Confirm your offer.", what=labels()),
        lambda: _(
            "mutualaid: still available to help (%(what)s)? Reply RESUME to keep your offer "
            "or PAUSE to stop invitations.",
            what=labels(),
        ),
        link="/offers/mine",
    )


def ask_stale_offers(
    session: Session, *, now: datetime | None = None, confirm_days: int = 30, expire_days: int = 14
) -> list[Offer]:
    """Ask every active or paused offer unconfirmed for ``confirm_days``. Idempotent: an
    offer already asked is not asked again until it is confirmed."""
    now = now or utcnow()
    stale = list(
        session.scalars(
            select(Offer)
            .where(
                Offer.status.in_((OFFER_ACTIVE, OFFER_PAUSED)),
                Offer.last_confirmed_at <= now - timedelta(days=confirm_days),
                Offer.confirm_asked_at.is_(None),
            )
            .order_by(Offer.id)
        )
    )
    for offer in stale:
        request_offer_confirmation(session, offer, now=now, expire_days=expire_days)
    return stale


def expire_unconfirmed_offers(session: Session, *, now: datetime | None = None) -> list[Offer]:
    """Offers asked and not confirmed by their ``expires_at`` expire. Idempotent."""
    now = now or utcnow()
    due = list(
        session.scalars(
            select(Offer)
            .where(
                Offer.status.in_((OFFER_ACTIVE, OFFER_PAUSED)),
                Offer.confirm_asked_at.is_not(None),
                Offer.expires_at <= now,
            )
            .order_by(Offer.id)
        )
    )
    for offer in due:
        offer.status = OFFER_EXPIRED
        offer.updated_at = now
    session.flush()
    return due


def offers_of(session: Session, person: Person) -> list[Offer]:
    return list(
        session.scalars(
            select(Offer)
            .where(Offer.helper_id == person.id, Offer.status != OFFER_DELETED)
            .order_by(Offer.created_at.desc())
        )
    )


def awaiting_confirmation(session: Session, person: Person) -> list[Offer]:
    return [o for o in offers_of(session, person) if o.confirm_asked_at is not None]
