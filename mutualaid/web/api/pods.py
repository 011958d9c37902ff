"""API: pods. The same role check as the web pod page (`policy.pod_role`): seated
members and staff see the pod with its address; an invited helper sees the invitation
(no address, no thread); everyone else gets 404."""

from __future__ import annotations

from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.models import Person, Pod
from mutualaid.models.pods import POD_ACTIVE, POD_FORMING
from mutualaid.pods import seating, thread
from mutualaid.pods.capacity import at_capacity_text
from mutualaid.pods.mine import open_invitations, seated_pods
from mutualaid.pods.seating import accept, decline
from mutualaid.pods.thread import ThreadError
from mutualaid.policy import membership_of, pod_role
from mutualaid.web.api import schemas as s
from mutualaid.web.api.problems import ApiProblem, field_error
from mutualaid.web.api.registry import operation
from mutualaid.web.api.serialize import message_out, pod_out


def pod_for(
    pod_id: int, me: Person, *, allow_invited: bool = False, any_invitee: bool = False
) -> tuple[Pod, str]:
    """As mutualaid.web.pods.routes._pod_for: 404 for anyone who may not know the pod."""
    pod = db.session.get(Pod, pod_id)
    role = pod_role(db.session, pod, me) if pod else None
    if pod is not None and role is None and any_invitee:
        role = "invited" if membership_of(db.session, pod, me) else None
    if pod is None or role is None or (role == "invited" and not allow_invited):
        raise ApiProblem(404, "not-found")
    return pod, role


@operation("/pods", "GET", summary="Your invitations and pods", response=s.PodList)
def list_pods(me: Person) -> s.PodList:
    """What the web's Invitations page shows: your open invitations (soonest to expire
    first), then the forming or active pods you are seated in (newest first)."""
    invited = [m.pod for m in open_invitations(db.session, me, order="expiring")]
    seated = seated_pods(db.session, me, newest_first=True)
    items = []
    for pod in [*invited, *seated]:
        role = pod_role(db.session, pod, me)
        if role is not None:
            items.append(pod_out(pod, role, me))
    return s.PodList(items=items)


@operation("/pods/{pod_id}", "GET", summary="A pod", response=s.PodOut)
def get_pod(me: Person, pod_id: int) -> s.PodOut:
    """Members and staff: seats, members (first names), thread and the exact address.
    Invited helpers: the need, why they were asked and when the invitation expires."""
    pod, role = pod_for(pod_id, me, allow_invited=True)
    return pod_out(pod, role, me)


@operation(
    "/pods/{pod_id}/accept",
    "POST",
    summary="Accept an invitation",
    response=s.AcceptOut,
    body=s.AcceptIn,
    body_required=False,
    errors=(409,),
)
def accept_pod(me: Person, pod_id: int, body: s.AcceptIn) -> s.AcceptOut:
    """Seats you if your invitation is live and a seat is free (`seated: true`, with the
    pod). A full pod, an expired invitation or a helper already in as many groups as their
    offer allows (`at_capacity`) answers 409 with `reason`."""
    pod, _role = pod_for(pod_id, me, allow_invited=True, any_invitee=True)
    result = accept(db.session, pod, me, note=body.note)
    db.session.commit()
    if not result.seated:
        text = (
            at_capacity_text(result.capacity or 0)
            if result.reason == seating.AT_CAPACITY
            else _reason_text(result.reason)
        )
        raise ApiProblem(409, "conflict", text, reason=result.reason)
    role = pod_role(db.session, pod, me) or "member"
    return s.AcceptOut(seated=True, reason=result.reason, pod=pod_out(pod, role, me))


def _reason_text(reason: seating.AcceptOutcome) -> str:
    return {
        seating.FULL: _("Thank you! This pod filled up just before you answered."),
        seating.EXPIRED_INVITATION: _("This invitation has expired. Thank you for answering."),
    }.get(reason, _("You have no open invitation to this pod."))


@operation(
    "/pods/{pod_id}/decline",
    "POST",
    summary="Decline an invitation",
    response=s.DeclineOut,
    errors=(409,),
)
def decline_pod(me: Person, pod_id: int) -> s.DeclineOut:
    """Someone else is asked. 409 when you hold no open invitation."""
    pod, _role = pod_for(pod_id, me, allow_invited=True, any_invitee=True)
    declined = decline(db.session, pod, me)
    db.session.commit()
    if not declined:
        raise ApiProblem(
            409, "conflict", _reason_text(seating.NOT_INVITED), reason=seating.NOT_INVITED
        )
    return s.DeclineOut(declined=True)


@operation(
    "/pods/{pod_id}/messages",
    "POST",
    summary="Write to the pod's thread",
    response=s.MessageOut,
    status=201,
    body=s.MessageIn,
    errors=(409,),
)
def post_pod_message(me: Person, pod_id: int, body: s.MessageIn) -> s.MessageOut:
    """Members and staff only; relayed by text to members who use SMS. 409 once the pod
    is closed."""
    pod, _role = pod_for(pod_id, me)
    if pod.status not in (POD_FORMING, POD_ACTIVE):
        raise ApiProblem(409, "conflict", _("This pod is closed."))
    try:
        message = thread.post_message(db.session, pod, me, body.body)
    except ThreadError as exc:
        db.session.rollback()
        raise ApiProblem(
            422, "validation-error", str(exc), errors=[field_error(["body"], str(exc))]
        ) from None
    db.session.commit()
    return message_out(message)
