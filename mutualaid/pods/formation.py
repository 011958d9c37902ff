"""Pod formation: create the pod, invite the best candidates in rounds, seat acceptors
without ever overselling, and fill the pod.

Seats are claimed with one conditional UPDATE (``seats_taken < seats``): PostgreSQL takes the
row lock and re-checks the condition for concurrent acceptors, SQLite has one writer at a
time, so on both exactly ``seats`` people are seated however many accept at once.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.i18n import _, distance, ngettext
from mutualaid.matching import escalation_radii, find_matches
from mutualaid.models import Membership, Need, Person, Pod, utcnow
from mutualaid.models import needs as need_status
from mutualaid.models.pods import (
    ACCEPTED,
    DECLINED,
    EXPIRED,
    INVITED,
    MEMBER_HELPER,
    MEMBER_REQUESTER,
    POD_ACTIVE,
    POD_FORMING,
    WITHDRAWN,
)
from mutualaid.needs import record_first_invitation, set_status
from mutualaid.notify import notify
from mutualaid.pods.config import pod_config
from mutualaid.pods.wording import category_name, join_names, pod_link, urgency_label


class PodError(ValueError):
    """A pod action that cannot happen now; the message is safe to show."""


@dataclass(frozen=True)
class AcceptResult:
    seated: bool
    reason: str  # "seated", "full", "expired", "not_invited"
    pod: Pod


def start_pod(
    session: Session, need: Need, *, now: datetime | None = None, invite: bool = True
) -> Pod:
    """Create the need's pod (once) and send the first round of invitations (unless
    ``invite`` is False: a coordinator picks the helpers by hand)."""
    now = now or utcnow()
    if not need.is_active:
        raise PodError(_("This need is no longer open."))
    pod = session.scalar(select(Pod).where(Pod.need_id == need.id))
    if pod is not None and pod.status not in (POD_FORMING, POD_ACTIVE):
        _reopen(session, pod, need)
    if pod is None:
        pod = Pod(need_id=need.id, code=need.code, seats=need.people_needed, status=POD_FORMING)
        session.add(pod)
        session.flush()
        session.add(
            Membership(
                pod_id=pod.id,
                person_id=need.requester_id,
                role=MEMBER_REQUESTER,
                status=ACCEPTED,
                invited_at=now,
                responded_at=now,
            )
        )
        session.flush()
    if pod.status == POD_FORMING and invite:
        invite_round(session, pod, now=now)
    return pod


def _reopen(session: Session, pod: Pod, need: Need) -> None:
    """A re-opened need (or a dissolved pod formed again) starts forming anew, keeping the
    helpers still seated."""
    lock_pod(session, pod)
    seated = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.pod_id == pod.id,
            Membership.status == ACCEPTED,
            Membership.role == MEMBER_HELPER,
        )
    )
    pod.status = POD_FORMING
    pod.code = need.code
    pod.seats = need.people_needed
    pod.seats_taken = min(seated or 0, pod.seats)
    pod.closed_at = None
    pod.close_reason = ""
    session.flush()


def outstanding_invitations(session: Session, pod: Pod, now: datetime) -> int:
    return session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.pod_id == pod.id,
            Membership.status == INVITED,
            Membership.invite_expires_at > now,
        )
    )


def invite_round(session: Session, pod: Pod, *, now: datetime | None = None) -> list[Membership]:
    """Top up invitations to ``over_invite_factor`` times the free seats; widen the search radius
    when nobody is left nearby; mark the need unmatched (for coordinators) when the widest
    radius finds nobody either."""
    now = now or utcnow()
    need = pod.need
    if pod.status != POD_FORMING or not need.is_active:
        return []
    pod.last_round_at = now
    config = pod_config()
    free = pod.seats - pod.seats_taken
    wanted = math.ceil(free * config.over_invite_factor) - outstanding_invitations(
        session, pod, now
    )
    if wanted <= 0:
        return []
    invited: list[Membership] = []
    for radius in _radii_from_current(need):
        matches = find_matches(session, need, limit=wanted, now=now, radius_km=radius)
        if matches:
            if radius != need.search_radius_km:
                need.search_radius_km = radius
            invited = [_invite(session, pod, need, m, now) for m in matches]
            break
    if invited:
        need.unmatched_reason = ""
        if need.status in (need_status.STATUS_OPEN, need_status.STATUS_MATCHING):
            set_status(session, need, need_status.STATUS_FORMING, now)
        record_first_invitation(session, need, now)
    elif outstanding_invitations(session, pod, now) == 0 and pod.seats_taken < pod.seats:
        widest = _radii_from_current(need)[-1]
        need.search_radius_km = widest
        if need.status in (need_status.STATUS_OPEN, need_status.STATUS_FORMING):
            set_status(session, need, need_status.STATUS_MATCHING, now)
        with_label = category_name(need).lower()
        need.unmatched_reason = _(
            "No %(category)s offers within %(km)s km",
            category=with_label,
            km=f"{widest:g}",
        )
    session.flush()
    return invited


def _radii_from_current(need: Need) -> list[float]:
    """The need's current radius, then each wider escalation step."""
    steps = escalation_radii(need.urgency)
    current = need.search_radius_km or steps[0]
    return [current] + [r for r in steps if r > current]


def _invite(session: Session, pod: Pod, need: Need, match, now: datetime) -> Membership:
    membership = session.scalar(
        select(Membership).where(
            Membership.pod_id == pod.id, Membership.person_id == match.person_id
        )
    )
    expires = now + pod_config().ttl_for(need.urgency)
    if membership is None:
        membership = Membership(pod_id=pod.id, person_id=match.person_id, role=MEMBER_HELPER)
        session.add(membership)
    membership.status = INVITED
    membership.invited_at = now
    membership.invite_expires_at = expires
    membership.responded_at = None
    details = getattr(match, "details", ())
    membership.reasons = [r.as_dict() for r in details] if details else list(match.reasons)
    session.flush()
    person = session.get(Person, match.person_id)
    # "0.7 km", or "0.4 mi" when the need's area counts in miles.
    how_far = distance(match.distance_km, need.area.units if need.area else "km")
    notify(
        session,
        person,
        "invitation",
        lambda: _(
            "You're invited to help: %(category)s, %(distance)s away (%(code)s).",
            category=category_name(need),
            distance=how_far,
            code=pod.code,
        ),
        lambda: _(
            "mutualaid: can you help? %(category)s, %(distance)s away, %(urgency)s. "
            "Reply YES %(code)s or NO %(code)s",
            category=category_name(need),
            distance=how_far,
            urgency=urgency_label(need.urgency),
            code=pod.code,
        ),
        link="/invitations",
        need=need,
        pod=pod,
        priority=5,
    )
    return membership


def lock_pod(session: Session, pod: Pod) -> None:
    """Take the pod's row lock before touching its memberships.

    Every change to a pod's seats or invitations goes through this first (PostgreSQL row
    lock; SQLite has one writer), so concurrent accepts, declines, leaves and the expiry job
    queue on one lock in one order and never deadlock on each other's membership rows.
    """
    session.execute(select(Pod.id).where(Pod.id == pod.id).with_for_update())
    session.refresh(pod)


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
            return AcceptResult(True, "seated", pod)
        if already == WITHDRAWN and pod.status != POD_FORMING:
            return AcceptResult(False, "full", pod)
        return AcceptResult(False, "expired" if already == EXPIRED else "not_invited", pod)
    if membership.invite_expires_at and membership.invite_expires_at <= now:
        membership.status = EXPIRED
        session.flush()
        return AcceptResult(False, "expired", pod)
    # Claim the invitation first (a double click or a repeated YES counts once) ...
    claimed = session.execute(
        update(Membership)
        .where(Membership.id == membership.id, Membership.status == INVITED)
        .values(status=ACCEPTED, responded_at=now, note=(note or "")[:500])
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.refresh(membership)
        return AcceptResult(membership.status == ACCEPTED, "seated", pod)
    # ... then a seat, atomically.
    seated = session.execute(
        update(Pod)
        .where(Pod.id == pod.id, Pod.status == POD_FORMING, Pod.seats_taken < Pod.seats)
        .values(seats_taken=Pod.seats_taken + 1)
        .execution_options(synchronize_session=False)
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
        return AcceptResult(False, "full", pod)
    session.refresh(membership)
    session.refresh(pod)
    if pod.lead_id is None:
        pod.lead_id = person.id
    _post_system(session, pod, _("%(name)s joined the pod.", name=person.first_name))
    if note:
        from mutualaid.pods.thread import post_message

        post_message(session, pod, person, note, channel="web", relay=True)
    if pod.seats_taken >= pod.seats:
        activate(session, pod, now=now)
    session.flush()
    return AcceptResult(True, "seated", pod)


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
        priority=5,
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
            priority=5,
        )
        record_audit(session, None, "pod.address_revealed", pod, {"person_id": helper.id})
    session.flush()


def seated_helpers(session: Session, pod: Pod) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(
                Membership.pod_id == pod.id,
                Membership.status == ACCEPTED,
                Membership.role == MEMBER_HELPER,
            )
            .order_by(Membership.responded_at, Membership.id)
        )
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


def _post_system(session: Session, pod: Pod, body: str) -> None:
    from mutualaid.pods.thread import post_message

    post_message(session, pod, None, body, channel="system", relay=False)


def invite_match(session: Session, pod: Pod, match, *, now: datetime | None = None) -> Membership:
    """Invite one matcher suggestion into ``pod`` now (a coordinator's one-click invite)."""
    now = now or utcnow()
    lock_pod(session, pod)
    need = pod.need
    if pod.status != POD_FORMING or not need.is_active:
        raise PodError(_("This pod is not looking for helpers."))
    if pod.seats_taken >= pod.seats:
        raise PodError(_("This pod is full."))
    membership = _invite(session, pod, need, match, now)
    need.unmatched_reason = ""
    if need.status in (need_status.STATUS_OPEN, need_status.STATUS_MATCHING):
        set_status(session, need, need_status.STATUS_FORMING, now)
    record_first_invitation(session, need, now)
    session.flush()
    return membership
