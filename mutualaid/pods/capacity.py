"""A helper's limit: how many groups they said they can help in at once (the largest
capacity among their offers), how many seats they hold, and the kind words when a yes
would go beyond it. ``seating.accept`` holds the limit."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mutualaid.i18n import _
from mutualaid.models import Membership, Offer, Person, Pod
from mutualaid.models.offers import OFFER_ACTIVE, OFFER_DELETED
from mutualaid.models.pods import ACCEPTED, MEMBER_HELPER, POD_ACTIVE, POD_FORMING


def at_capacity_text(capacity: int) -> str:
    """The web page's and the API's kind explanation of ``AT_CAPACITY``."""
    return _(
        "You're already helping in as many groups as you said you could (%(count)s). "
        "Finish one or raise your limit on your offer, then say yes.",
        count=capacity,
    )


def lock_helper(session: Session, person: Person) -> None:
    """Hold the helper's row for this transaction (PostgreSQL ``FOR NO KEY UPDATE``, which
    still lets others insert invitations and notices that point at the person; SQLite has
    one writer). Taken before ``lock_pod``, never after it."""
    session.execute(select(Person.id).where(Person.id == person.id).with_for_update(key_share=True))


def helper_capacity(session: Session, person: Person) -> int | None:
    """How many groups ``person`` said they can help in at once: the largest capacity among
    their active offers (their other, not deleted, offers when none is active); None (no
    limit) for someone without offers, e.g. added by a coordinator."""
    rows = session.execute(
        select(Offer.status, func.max(Offer.capacity))
        .where(Offer.helper_id == person.id, Offer.status != OFFER_DELETED)
        .group_by(Offer.status)
    ).all()
    by_status = {status: capacity for status, capacity in rows}
    if OFFER_ACTIVE in by_status:
        return int(by_status[OFFER_ACTIVE])
    return max((int(c) for c in by_status.values()), default=None)


def seats_held(session: Session, person: Person) -> int:
    """Seats ``person`` holds as a helper in groups that are forming or active."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Membership)
            .join(Pod, Pod.id == Membership.pod_id)
            .where(
                Membership.person_id == person.id,
                Membership.role == MEMBER_HELPER,
                Membership.status == ACCEPTED,
                Pod.status.in_((POD_FORMING, POD_ACTIVE)),
            )
        )
        or 0
    )
