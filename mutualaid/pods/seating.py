"""Seating: a helper answers an invitation. ``accept`` seats them without ever overselling,
``decline`` frees the invitation for the next round, and a full group is activated (the
others are told it is covered, the requester who is coming, the members the address).

Seats are claimed with one conditional UPDATE (``seats_taken < seats``): PostgreSQL takes the
row lock and re-checks the condition for concurrent acceptors, SQLite has one writer at a
time, so on both exactly ``seats`` people are seated however many accept at once.

Capacity (issue 17) is a hard limit at accept time too: the helper's row is locked first
(``lock_helper``, then the pod's ``lock_pod``: always person before pod, and nothing locks a
pod and then waits for a person), so one person's concurrent "yes"es are counted one at a
time and never seat them in more groups than their offer says.
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
from mutualaid.pods.capacity import helper_capacity, lock_helper, seats_held
from mutualaid.pods.formation import invite_round, lock_pod, seated_helpers
from mutualaid.pods.thread import post_message
from mutualaid.pods.wording import join_names, pod_link

# What came of a "yes": the API returns these words, the pages and texts choose a sentence.
AcceptOutcome = Literal["seated", "full", "expired", "not_invited", "at_capacity"]
SEATED: AcceptOutcome = "seated"
FULL: AcceptOutcome = "full"  # the last seat went to someone else first
EXPIRED_INVITATION: AcceptOutcome = "expired"
NOT_INVITED: AcceptOutcome = "not_invited"
AT_CAPACITY: AcceptOutcome = "at_capacity"  # already in as many groups as their offer allows


@dataclass(frozen=True)
class AcceptResult:
    seated: bool
    reason: AcceptOutcome
    pod: Pod
    capacity: int | None = None  # set with AT_CAPACITY: the limit the helper gave


def pending_invitation(session: Session, pod: Pod, person: Person) -> Membership | None:
    return session.scalar(
        select(Membership).where(
            Membership.pod_id == pod.id,
            Membership.person_id == person.id,
            Membership.status == INVITED,
        )
    )


def accept(
    session: Session,
    pod: Pod,
    person: Person,
    *,
    note: str = "",
    now: datetime | None = None,
    check_capacity: bool = True,
) -> AcceptResult:
    """Seat ``person`` if they were invited, a seat is free and they have room. A yes that
    comes after the invitation expired still takes a seat that is free (the group is
    still forming): turning away a willing neighbor helps nobody.

    A helper already seated in as many groups as their offer allows gets ``AT_CAPACITY``
    and nothing changes: the invitation stays open, so they can still say yes after
    finishing another group (until it expires). The seat that brings them to their limit
    withdraws their other open invitations, with a notice. ``check_capacity=False`` (a
    coordinator adding someone by hand) skips the limit and the withdrawal.
    """
    now = now or utcnow()
    if check_capacity:
        lock_helper(session, person)  # person first, then the pod: one order everywhere
    lock_pod(session, pod)
    membership = pending_invitation(session, pod, person)
    open_seat = pod.status == POD_FORMING and pod.seats_taken < pod.seats and pod.need.is_active
    if membership is None:
        earlier = session.scalar(
            select(Membership).where(Membership.pod_id == pod.id, Membership.person_id == person.id)
        )
        already = earlier.status if earlier is not None else None
        if already == ACCEPTED:
            return AcceptResult(True, SEATED, pod)
        if already == WITHDRAWN and pod.status != POD_FORMING:
            return AcceptResult(False, FULL, pod)
        if already == EXPIRED and open_seat:
            membership = earlier  # a late yes while the seat is still free: welcome
        elif already == EXPIRED and pod.status == POD_ACTIVE:
            return AcceptResult(False, FULL, pod)  # too late, and covered: say so
        else:
            return AcceptResult(
                False, EXPIRED_INVITATION if already == EXPIRED else NOT_INVITED, pod
            )
    elif membership.invite_expires_at and membership.invite_expires_at <= now and not open_seat:
        membership.status = EXPIRED
        session.flush()
        return AcceptResult(False, EXPIRED_INVITATION, pod)
    assert membership is not None
    capacity = helper_capacity(session, person) if check_capacity else None
    if capacity is not None and seats_held(session, person) >= capacity:
        return AcceptResult(False, AT_CAPACITY, pod, capacity)
    # Claim the invitation first (a double click or a repeated YES counts once) ...
    # (An UPDATE without RETURNING gives a CursorResult; Session.execute is typed as Result.)
    claimed = cast(
        "CursorResult[Any]",
        session.execute(
            update(Membership)
            .where(Membership.id == membership.id, Membership.status.in_((INVITED, EXPIRED)))
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
    need = pod.need
    if need.status in (need_status.STATUS_OPEN, need_status.STATUS_MATCHING):
        set_status(session, need, need_status.STATUS_FORMING, now)  # someone said yes
    need.unmatched_reason = ""
    if pod.lead_id is None:
        pod.lead_id = person.id
    _post_system(session, pod, _("%(name)s joined the pod.", name=person.first_name))
    if note:
        post_message(session, pod, person, note, channel="web", relay=True)
    if pod.seats_taken >= pod.seats:
        activate(session, pod, now=now)
    else:
        _tell_requester_joined(session, pod, person)
    if capacity is not None and seats_held(session, person) >= capacity:
        _withdraw_other_invitations(session, pod, person, now=now)
    session.flush()
    return AcceptResult(True, SEATED, pod)


def _withdraw_other_invitations(
    session: Session, pod: Pod, person: Person, *, now: datetime
) -> None:
    """``person`` just reached their limit in ``pod``: withdraw their other open invitations,
    tell them kindly, and ask someone else in each of those groups.

    Other groups are locked with SKIP LOCKED, never waited for (we already hold this pod, and
    waiting for a second one could deadlock with another helper doing the same). A group
    busy elsewhere keeps its invitation: accepting it later answers ``AT_CAPACITY``.
    """
    other_ids = session.scalars(
        select(Membership.pod_id)
        .where(
            Membership.person_id == person.id,
            Membership.status == INVITED,
            Membership.pod_id != pod.id,
        )
        .order_by(Membership.pod_id)
    ).all()
    for other_id in other_ids:
        got = session.scalar(
            select(Pod.id).where(Pod.id == other_id).with_for_update(skip_locked=True)
        )
        other = session.get(Pod, other_id, populate_existing=True) if got is not None else None
        membership = pending_invitation(session, other, person) if other is not None else None
        if other is None or membership is None:
            continue
        membership.status = WITHDRAWN
        session.flush()
        _tell_withdrawn(session, person, pod, other)
        invite_round(session, other, now=now)


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


def _tell_withdrawn(session: Session, person: Person, pod: Pod, other: Pod) -> None:
    notify(
        session,
        person,
        "invitation_withdrawn",
        lambda: _(
            "Thanks! You're now helping with %(code)s; we've asked someone else for %(other)s.",
            code=pod.code,
            other=other.code,
        ),
        lambda: _(
            "mutualaid: thanks! You're now helping in another group, so we've asked "
            "someone else for %(code)s. No need to reply.",
            code=other.code,
        ),
        pod=other,
        need=other.need,
    )


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


def _tell_requester_joined(session: Session, pod: Pod, helper: Person) -> None:
    """The requester hears about each helper who joins, not only when the group is full."""
    still = pod.seats - pod.seats_taken
    notify(
        session,
        pod.need.requester,
        "helper_joined",
        lambda: _(
            "%(name)s joined to help with %(code)s. We're looking for %(num)d more.",
            name=helper.first_name,
            code=pod.code,
            num=still,
        ),
        lambda: _(
            "mutualaid: %(name)s is coming to help with %(code)s. Reply here to talk.",
            name=helper.first_name,
            code=pod.code,
        ),
        link=pod_link(pod),
        pod=pod,
        need=pod.need,
        priority=GROUP_NEWS,
    )


def _post_system(session: Session, pod: Pod, body: str) -> None:
    post_message(session, pod, None, body, channel="system", relay=False)
