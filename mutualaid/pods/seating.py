"""Seating: a helper answers an invitation. ``accept`` seats them without ever overselling,
``decline`` frees the invitation for the next round, and a full group is activated (the
others are told it is covered, the requester who is coming, the members the address).

Seats are claimed with one conditional UPDATE (``seats_taken < seats``): PostgreSQL takes the
row lock and re-checks the condition for concurrent acceptors, SQLite has one writer at a
time, so on both exactly ``seats`` people are seated however many accept at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.i18n import _, ngettext
from mutualaid.models import Membership, Person, Pod, utcnow
from mutualaid.models import needs as need_status
from mutualaid.models.pods import (
    ACCEPTED,
    DECLINED,
    EXPIRED,
    INVITED,
    POD_ACTIVE,
    POD_FORMING,
    WITHDRAWN,
)
from mutualaid.need_records import set_status
from mutualaid.notify import GROUP_NEWS, notify
from mutualaid.pods.formation import invite_round, lock_pod, seated_helpers
from mutualaid.pods.thread import post_message
from mutualaid.pods.wording import join_names, pod_link

# What came of a "yes": the API returns these words, the pages and texts choose a sentence.
AcceptOutcome = Literal["seated", "full", "expired", "not_invited"]
SEATED: AcceptOutcome = "seated"
FULL: AcceptOutcome = "full"  # the last seat went to someone else first
EXPIRED_INVITATION: AcceptOutcome = "expired"
NOT_INVITED: AcceptOutcome = "not_invited"


@dataclass(frozen=True)
class AcceptResult:
    seated: bool
    reason: AcceptOutcome
    pod: Pod


def pending_invitation(session: Session, pod: Pod, person: Person) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.pod_id == pod.id,
            Membership.person_id == person.id,
            Membership.status == INVITED,
        )
    )


def accept(
    session: Session, pod: Pod, person: Person, *, note: str = "", now: datetime | None = None
) -> AcceptResult:
    """Seat ``person`` if they hold a live invitation and a seat is free."""
    now = now or utcnow()
    lock_pod(session, pod)
    membership = pending_invitation(session, pod, person)
    if membership is None:
        already = session.scalar(
            select(Membership.status).where(
                Membership.pod_id == pod.id, Membership.person_id == person.id
            )
        )
        if already == ACCEPTED:
            return AcceptResult(True, SEATED, pod)
        if already == WITHDRAWN and pod.status != POD_FORMING:
            return AcceptResult(False, FULL, pod)
        return AcceptResult(False, EXPIRED_INVITATION if already == EXPIRED else NOT_INVITED, pod)
    if membership.invite_expires_at and membership.invite_expires_at <= now:
        membership.status = EXPIRED
        session.flush()
        return AcceptResult(False, EXPIRED_INVITATION, pod)
    # Claim the invitation first (a double click or a repeated YES counts once) ...
    # (An UPDATE without RETURNING gives a CursorResult; Session.execute is typed as Result.)
    claimed = cast(
        "CursorResult[Any]",
        session.execute(
            update(Membership)
            .where(Membership.id == membership.id, Membership.status == INVITED)
            .values(status=ACCEPTED, responded_at=now, note=(note or "")[:500])
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if claimed != 1:
        session.refresh(membership)
        return AcceptResult(membership.status == ACCEPTED, SEATED, pod)
    # ... then a seat, atomically.
    seated = cast(
        "CursorResult[Any]",
        session.execute(
            update(Pod)
            .where(Pod.id == pod.id, Pod.status == POD_FORMING, Pod.seats_taken < Pod.seats)
            .values(seats_taken=Pod.seats_taken + 1)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if seated != 1:
        session.execute(
            update(Membership)
            .where(Membership.id == membership.id)
            .values(status=WITHDRAWN, note="")
            .execution_options(synchronize_session=False)
        )
        session.refresh(membership)
        session.refresh(pod)
        _tell_full(session, pod, person)
        return AcceptResult(False, FULL, pod)
    session.refresh(membership)
    session.refresh(pod)
    if pod.lead_id is None:
        pod.lead_id = person.id
    _post_system(session, pod, _("%(name)s joined the pod.", name=person.first_name))
    if note:
        post_message(session, pod, person, note, channel="web", relay=True)
    if pod.seats_taken >= pod.seats:
        activate(session, pod, now=now)
    session.flush()
    return AcceptResult(True, SEATED, pod)


def decline(session: Session, pod: Pod, person: Person, *, now: datetime | None = None) -> bool:
    now = now or utcnow()
    lock_pod(session, pod)
    membership = pending_invitation(session, pod, person)
    if membership is None:
        return False
    membership.status = DECLINED
    membership.responded_at = now
    session.flush()
    invite_round(session, pod, now=now)
    return True


def activate(session: Session, pod: Pod, *, now: datetime | None = None) -> None:
    """All seats taken: withdraw open invitations, tell the requester who is coming, and
    reveal the address to the seated members."""
    now = now or utcnow()
    need = pod.need
    pod.status = POD_ACTIVE
    pod.formed_at = pod.formed_at or now
    if need.status != need_status.STATUS_ACTIVE:
        set_status(session, need, need_status.STATUS_ACTIVE, now)
    open_invites = session.scalars(
        select(Membership).where(Membership.pod_id == pod.id, Membership.status == INVITED)
    ).all()
    for m in open_invites:
        m.status = WITHDRAWN
        notify(
            session,
            m.person,
            "invitation_withdrawn",
            lambda: _("Thanks! Need %(code)s is covered; no action needed.", code=pod.code),
            lambda: _("mutualaid: thanks, %(code)s is covered. No need to reply.", code=pod.code),
            pod=pod,
            need=need,
        )
    helpers = seated_helpers(session, pod)
    requester = need.requester
    count = len(helpers)
    notify(
        session,
        requester,
        "pod_formed",
        lambda: ngettext(
            "%(names)s is coming to help with %(code)s.",
            "%(names)s are coming to help with %(code)s.",
            count,
            names=join_names(helpers),
            code=pod.code,
        ),
        lambda: ngettext(
            "mutualaid: %(names)s is coming (%(code)s). Reply here to talk to them.",
            "mutualaid: %(names)s are coming (%(code)s). Reply here to talk to them.",
            count,
            names=join_names(helpers),
            code=pod.code,
        ),
        link=pod_link(pod),
        pod=pod,
        need=need,
        priority=GROUP_NEWS,
    )
    for helper in helpers:
        notify(
            session,
            helper,
            "pod_formed",
            lambda: _("Pod %(code)s is complete. The address is on the pod page.", code=pod.code),
            lambda: _(
                "mutualaid: pod %(code)s is complete. Address: %(address)s. "
                "Reply to talk to the pod.",
                code=pod.code,
                address=need.address_text or _("ask in the pod"),
            ),
            link=pod_link(pod),
            pod=pod,
            need=need,
            priority=GROUP_NEWS,
        )
        record_audit(session, None, "pod.address_revealed", pod, {"person_id": helper.id})
    session.flush()


def _tell_full(session: Session, pod: Pod, person: Person) -> None:
    notify(
        session,
        person,
        "pod_full",
        lambda: _(
            "Thank you for offering! Pod %(code)s filled up just before you answered.",
            code=pod.code,
        ),
        lambda: _(
            "mutualaid: thank you! %(code)s is already covered. We'll ask you again soon.",
            code=pod.code,
        ),
        pod=pod,
    )


def _post_system(session: Session, pod: Pod, body: str) -> None:
    post_message(session, pod, None, body, channel="system", relay=False)
