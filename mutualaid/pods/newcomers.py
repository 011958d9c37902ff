"""Matching the other way round: a helper who becomes available is considered at once by
the needs already waiting in reach.

``mutualaid.offers`` marks an offer "ready" when it is posted, edited (widened), resumed or
confirmed, and when its helper gets a seat back (a group closed or they left one). Once that
transaction commits, :func:`consider_offers` runs (inline with an in-memory queue, else as
the ``offers_ready`` task): for each forming group with free seats whose need is in the
offer's reach and category, most urgent first,

- a round with room (fewer open invitations than ``over_invite_factor`` times the free
  seats) is topped up, as the invitation cascade would (``invite_round``);
- a full round takes the newcomer too when they rank within it, counting the helpers who
  hold its open invitations (``find_matches(..., with_open_invitations=True)``): a helper
  next door is not left waiting for strangers farther away to let their invitations expire.

The helper is asked into at most ``over_invite_factor`` times their free seats of groups at
once, so a new offer does not bring a flood of texts. Idempotent: someone already invited to
a need (or who answered) is not asked again by this path.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import case, event, select
from sqlalchemy.orm import Session

from mutualaid import queue
from mutualaid.extensions import worker_session
from mutualaid.geo.distance import bounding_boxes, haversine_km
from mutualaid.matching import find_matches
from mutualaid.models import Need, Offer, Person, Pod, utcnow
from mutualaid.models import needs as need_status
from mutualaid.models.offers import OFFER_ACTIVE, OfferCategory
from mutualaid.models.pods import POD_FORMING
from mutualaid.offers import READY_KEY
from mutualaid.pods.config import pod_config
from mutualaid.pods.formation import invite_match, invite_round, lock_pod, outstanding_invitations
from mutualaid.pods.seating import helper_capacity, pending_invitation, seats_held

log = logging.getLogger(__name__)

TASK = "offers_ready"
# A worker runs the task a few seconds after the commit, so the helper's own "Got it" text
# (sent for the same commit) reaches them before the invitations it brings.
DELAY_SECONDS = 5.0
MAX_NEEDS_LOOKED_AT = 50  # the most urgent, oldest waiting needs in reach
_URGENCY_ORDER = case(
    {"now": 0, "today": 1, "week": 2}, value=Need.urgency, else_=3
)  # most urgent first


def waiting_pods(session: Session, offer: Offer) -> list[Pod]:
    """Forming groups with free seats whose need lies within the offer's reach and in one of
    its categories, most urgent and oldest first."""
    if offer.lat is None or offer.lng is None:
        return []
    found: dict[int, Pod] = {}
    for box in bounding_boxes(offer.lat, offer.lng, offer.radius_km):
        rows = session.execute(
            select(Pod, Need.lat, Need.lng)
            .join(Need, Need.id == Pod.need_id)
            .where(
                Pod.status == POD_FORMING,
                Pod.seats_taken < Pod.seats,
                Need.status.in_(
                    (
                        need_status.STATUS_OPEN,
                        need_status.STATUS_MATCHING,
                        need_status.STATUS_FORMING,
                    )
                ),
                Need.requester_id != offer.helper_id,
                Need.category.in_(
                    select(OfferCategory.category).where(OfferCategory.offer_id == offer.id)
                ),
                Need.lat.between(box.min_lat, box.max_lat),
                Need.lng.between(box.min_lng, box.max_lng),
            )
            .order_by(_URGENCY_ORDER, Need.created_at, Need.id)
            .limit(MAX_NEEDS_LOOKED_AT)
        ).all()
        for pod, lat, lng in rows:
            if (
                lat is not None
                and lng is not None
                and (haversine_km(offer.lat, offer.lng, lat, lng) <= offer.radius_km)
            ):
                found.setdefault(pod.id, pod)
    return sorted(
        found.values(),
        key=lambda p: (_rank(p.need.urgency), p.need.created_at, p.need.id),
    )[:MAX_NEEDS_LOOKED_AT]


def _rank(urgency: str) -> int:
    return {"now": 0, "today": 1, "week": 2}.get(urgency, 3)


def invite_to_waiting(session: Session, offer: Offer, *, now: datetime | None = None) -> list[Pod]:
    """Let the waiting needs in ``offer``'s reach consider its helper now; the groups the
    helper was invited to, in order. Flushes, never commits."""
    now = now or utcnow()
    if offer.status != OFFER_ACTIVE:
        return []
    helper = session.get(Person, offer.helper_id)
    if helper is None or helper.paused_at is not None or helper.suspended_at is not None:
        return []
    capacity = helper_capacity(session, helper) or offer.capacity
    free_seats = capacity - seats_held(session, helper)
    if free_seats <= 0:
        return []
    factor = pod_config().over_invite_factor
    budget = math.ceil(free_seats * factor)
    invited: list[Pod] = []
    for pod in waiting_pods(session, offer):
        if len(invited) >= budget:
            break
        if _consider(session, pod, helper, now, factor):
            invited.append(pod)
    return invited


def _consider(session: Session, pod: Pod, helper: Person, now: datetime, factor: float) -> bool:
    """Invite ``helper`` to ``pod`` if the current round has room for them or they rank
    within it; True when they hold an invitation to it afterwards because of this call."""
    lock_pod(session, pod)
    need = pod.need
    if pod.status != POD_FORMING or not need.is_active or pod.seats_taken >= pod.seats:
        return False
    if pending_invitation(session, pod, helper) is not None:
        return False
    round_size = math.ceil((pod.seats - pod.seats_taken) * factor)
    if outstanding_invitations(session, pod, now) < round_size:
        invite_round(session, pod, now=now)
        if pending_invitation(session, pod, helper) is not None:
            return True
    ranked = find_matches(session, need, limit=round_size, now=now, with_open_invitations=True)
    mine = next((m for m in ranked if m.person_id == helper.id and not m.invited), None)
    if mine is None:
        return False
    invite_match(session, pod, mine, now=now)
    return True


def consider_offers(
    session: Session, offer_ids: Iterable[int], *, now: datetime | None = None
) -> int:
    """:func:`invite_to_waiting` for each offer still active; how many invitations went out.
    Flushes, never commits."""
    total = 0
    for offer_id in sorted(set(offer_ids)):
        offer = session.get(Offer, offer_id)
        if offer is not None:
            total += len(invite_to_waiting(session, offer, now=now))
    return total


def run_ready(offer_ids: list[int], *, bind: Any = None) -> int:
    """The ``offers_ready`` work in a session of its own, committed once."""
    session = worker_session(bind)
    try:
        invited = consider_offers(session, offer_ids)
        session.commit()
        return invited
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if session.in_nested_transaction():  # a SAVEPOINT was released; the outer one goes on
        return
    ids = session.info.pop(READY_KEY, None)
    if not ids:
        return
    ids = sorted(ids)
    try:
        if queue.is_immediate():
            run_ready(ids, bind=session.get_bind())
        else:
            queue.enqueue(TASK, *ids, delay=DELAY_SECONDS)
    except Exception:  # the offers stay active; the cascade's rounds still find them later
        log.exception("could not let waiting needs consider offers %s", ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, previous_transaction: object) -> None:
    if not session.in_transaction():
        session.info.pop(READY_KEY, None)
