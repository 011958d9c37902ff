"""What a coordinator sees and does on a need or a pod in the workspace: open the need's
page (the exact address view is audited), edit or cancel it, invite a suggestion, widen the
search radius, contact the requester, add a member, message the pod. Each change is
audited; none commits."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.accounts import find_by_email, find_by_phone
from mutualaid.audit import record_audit
from mutualaid.i18n import _
from mutualaid.matching import Match, escalation_radii, find_matches
from mutualaid.models import Membership, Need, Person, Pod, utcnow
from mutualaid.models.needs import STATUS_FORMING, STATUS_MATCHING, STATUS_OPEN
from mutualaid.models.pods import ACCEPTED, INVITED, MEMBER_HELPER, POD_FORMING
from mutualaid.need_records import NeedInput, set_status
from mutualaid.needs import cancel_need, edit_need
from mutualaid.notify import notify
from mutualaid.phones import InvalidPhone, normalise_phone
from mutualaid.pods import formation, seating
from mutualaid.pods.formation import PodError
from mutualaid.pods.thread import post_message
from mutualaid.policy import people_filter

SUGGESTION_POOL = 50


def pod_of(session: Session, need: Need) -> Pod | None:
    return session.scalar(select(Pod).where(Pod.need_id == need.id))


def suggestions(
    session: Session, need: Need, *, limit: int = 10, radius_km: float | None = None
) -> list[Match]:
    return find_matches(session, need, limit=limit, radius_km=radius_km)


def pod_members(session: Session, pod: Pod | None) -> list[tuple[Membership, Person]]:
    """Everyone invited to or seated in the pod, in the order they were asked."""
    if pod is None:
        return []
    rows = session.execute(
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.pod_id == pod.id)
        .order_by(Membership.invited_at)
    )
    return [(membership, person) for membership, person in rows]


def people_by_id(session: Session, ids: Iterable[int]) -> dict[int, Person]:
    return {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(list(ids))))}


def record_need_viewed(session: Session, viewer: Person, need: Need) -> None:
    """The need's page shows the exact address and contact: who looked is recorded."""
    record_audit(session, viewer, "need.viewed_exact", need)


def edit_as_coordinator(session: Session, need: Need, actor: Person, data: NeedInput) -> Need:
    edit_need(session, need, data)
    record_audit(session, actor, "need.edited", need)
    return need


def cancel_as_coordinator(session: Session, need: Need, actor: Person, reason: str) -> Need:
    cancel_need(session, need, actor=actor)
    record_audit(session, actor, "need.cancelled", need, {"reason": reason})
    return need


def invite_suggestion(
    session: Session,
    need: Need,
    person_ids: list[int],
    actor: Person,
    *,
    radius_km: float | None = None,
    now: datetime | None = None,
) -> list[Membership]:
    """Invite the chosen suggestions into the need's pod (formed first if it has none)."""
    now = now or utcnow()
    if not person_ids:
        raise PodError(_("Choose someone to invite."))
    if not need.is_active:
        raise PodError(_("This need is no longer open."))
    pod = pod_of(session, need)
    if pod is None or pod.status != POD_FORMING:
        pod = formation.start_pod(session, need, now=now, invite=False)
    matches = {
        m.person_id: m
        for m in find_matches(session, need, limit=SUGGESTION_POOL, now=now, radius_km=radius_km)
    }
    invited = []
    for pid in person_ids:
        match = matches.get(pid)
        if match is None:
            already = session.scalar(
                select(Membership).where(
                    Membership.pod_id == pod.id,
                    Membership.person_id == pid,
                    Membership.status.in_((INVITED, ACCEPTED)),
                )
            )
            if already is not None:
                continue  # the automatic round just invited them: fine
            raise PodError(_("That helper is no longer a suggestion for this need."))
        invited.append(formation.invite_match(session, pod, match, now=now))
    record_audit(session, actor, "pod.invited", pod, {"person_ids": list(person_ids)})
    return invited


def widen_radius(
    session: Session, need: Need, actor: Person, *, now: datetime | None = None
) -> float:
    """Move the need's search radius to the next escalation step and invite again."""
    steps = escalation_radii(need.urgency)
    current = need.search_radius_km or steps[0]
    wider = [r for r in steps if r > current]
    if not wider:
        raise PodError(_("The search radius is already the widest (%(km)s km).", km=f"{current:g}"))
    need.search_radius_km = wider[0]
    record_audit(session, actor, "need.radius_widened", need, {"from": current, "to": wider[0]})
    pod = pod_of(session, need)
    if pod is not None and pod.status == POD_FORMING and need.is_active:
        formation.invite_round(session, pod, now=now)
    session.flush()
    return wider[0]


def contact_requester(session: Session, need: Need, actor: Person, text: str) -> None:
    """Send the requester a message from the coordinators (web notice, and a text if they
    get texts). Never shows anyone's number."""
    body = (text or "").strip()
    if not body:
        raise PodError(_("Write a message first."))
    if len(body) > 600:
        raise PodError(_("Keep messages under %(n)s characters.", n=600))
    name = actor.first_name
    notify(
        session,
        need.requester,
        "coordinator_message",
        lambda: _(
            "A coordinator (%(name)s) wrote about %(code)s: %(text)s",
            name=name,
            code=need.code,
            text=body,
        ),
        lambda: _("mutualaid coordinator %(name)s: %(text)s", name=name, text=body),
        link=f"/needs/{need.id}",
        need=need,
    )
    record_audit(session, actor, "need.requester_contacted", need, {"length": len(body)})


def find_person(session: Session, viewer: Person, text: str) -> Person | None:
    """The person an id, an email or a phone number names, among those ``viewer`` may see
    (``policy.people_filter``): anyone else is "not found", so existence is not revealed."""
    text = (text or "").strip()
    stmt = select(Person).where(people_filter(session, viewer))
    if text.isdecimal() and len(text) < 10:
        return session.scalar(stmt.where(Person.id == int(text)))
    if "@" in text:
        found = find_by_email(session, text)
    else:
        try:
            found = find_by_phone(session, normalise_phone(text))
        except InvalidPhone:
            return None
    if found is None:
        return None
    return session.scalar(stmt.where(Person.id == found.id))


def add_member(
    session: Session,
    pod: Pod,
    person: Person,
    actor: Person,
    reason: str,
    *,
    now: datetime | None = None,
) -> Membership:
    """Seat ``person`` in the pod directly (a coordinator found them); audited."""
    now = now or utcnow()
    if not reason.strip():
        raise PodError(_("Say why the member is being added."))
    if person.id == pod.need.requester_id:
        raise PodError(_("The requester is already in the pod."))
    if person.suspended_at is not None:
        raise PodError(_("This person is suspended."))
    formation.lock_pod(session, pod)
    if pod.status not in ("forming", "active"):
        raise PodError(_("This pod is closed."))
    if pod.seats_taken >= pod.seats:
        raise PodError(_("The pod is full; remove someone first."))
    membership = session.scalar(
        select(Membership).where(Membership.pod_id == pod.id, Membership.person_id == person.id)
    )
    if membership is not None and membership.status == ACCEPTED:
        raise PodError(_("%(name)s is already in the pod.", name=person.first_name))
    if membership is None:
        membership = Membership(pod_id=pod.id, person_id=person.id, role=MEMBER_HELPER)
        session.add(membership)
    membership.status = INVITED
    membership.invited_at = now
    membership.invite_expires_at = now + timedelta(hours=1)
    membership.reasons = [_("Added by a coordinator: %(reason)s", reason=reason.strip())]
    need = pod.need
    if need.status in (STATUS_OPEN, STATUS_MATCHING):
        # Someone was found by hand (an escalated need is "matching"): no longer unmatched,
        # and forming, so the group can become active below.
        set_status(session, need, STATUS_FORMING, now)
    need.unmatched_reason = ""
    session.flush()
    result = seating.accept(session, pod, person, now=now, check_capacity=False)
    if not result.seated:
        raise PodError(_("The pod is full; remove someone first or add a seat."))
    record_audit(
        session, actor, "pod.member_added", pod, {"person_id": person.id, "reason": reason.strip()}
    )
    return membership


def message_pod(session: Session, pod: Pod, actor: Person, body: str):
    message = post_message(session, pod, actor, body, channel="web", relay=True)
    record_audit(session, actor, "pod.messaged", pod, {"message_id": message.id})
    return message
