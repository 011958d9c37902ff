from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, select, update

from mutualaid import needs
from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.matching.reasons import render_stored
from mutualaid.models import ChecklistItem, Membership, Notification, Person, Pod, utcnow
from mutualaid.models.pods import POD_ACTIVE, POD_FORMING
from mutualaid.pods import lifecycle, seating, thread
from mutualaid.pods.capacity import at_capacity_text
from mutualaid.pods.formation import PodError
from mutualaid.pods.mine import count_open_invitations, open_invitations, seated_pods
from mutualaid.pods.seating import accept, decline
from mutualaid.pods.thread import ThreadError
from mutualaid.pods.thread import system_text as render
from mutualaid.policy import can_see_address, membership_of, pod_role
from mutualaid.web.pods.blueprint import bp
from mutualaid.web.security import form_id


def _pod_for(
    pod_id: int, *, allow_invited: bool = False, any_invitee: bool = False
) -> tuple[Pod, str]:
    """The pod and the viewer's role; 404 for anyone who may not know it exists.

    ``any_invitee`` lets anyone who was ever invited answer (a late "yes" gets a kind
    "it's covered" instead of a 404)."""
    pod = db.session.get(Pod, pod_id)
    role = pod_role(db.session, pod, current_user) if pod else None
    if pod is not None and role is None and any_invitee:
        role = "invited" if membership_of(db.session, pod, current_user) else None
    if pod is None or role is None or (role == "invited" and not allow_invited):
        abort(404)
    return pod, role


@bp.app_context_processor
def header_counts() -> dict[str, int]:
    if not current_user.is_authenticated:
        return {}
    invites = count_open_invitations(db.session, current_user.id)
    unread = db.session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.person_id == current_user.id, Notification.read_at.is_(None))
    )
    return {"pending_invitations": invites, "unread_notifications": unread or 0}


@bp.route("/invitations")
@login_required
def invitations():
    now = utcnow()
    rows = open_invitations(db.session, current_user, now=now, order="expiring")
    pods = seated_pods(db.session, current_user, newest_first=True)
    return render_template("pods/invitations.html", invitations=rows, pods=pods, now=now)


@bp.route("/pods/<int:pod_id>/accept", methods=["POST"])
@login_required
def accept_invitation(pod_id: int):
    pod, _role = _pod_for(pod_id, allow_invited=True, any_invitee=True)
    result = accept(db.session, pod, current_user, note=request.form.get("note", ""))
    db.session.commit()
    if result.seated:
        flash(_("You're in! Here is everything you need."), "success")
        return redirect(url_for("pods.show", pod_id=pod.id), 303)
    if result.reason == seating.FULL:
        flash(_("Thank you! This pod filled up just before you answered."), "info")
    elif result.reason == seating.AT_CAPACITY:
        flash(at_capacity_text(result.capacity or 0), "info")
    else:
        flash(_("This invitation has expired. Thank you for answering."), "info")
    return redirect(url_for("pods.invitations"), 303)


@bp.route("/pods/<int:pod_id>/decline", methods=["POST"])
@login_required
def decline_invitation(pod_id: int):
    pod, _role = _pod_for(pod_id, allow_invited=True, any_invitee=True)
    decline(db.session, pod, current_user)
    db.session.commit()
    flash(_("No problem. We'll ask someone else."), "info")
    return redirect(url_for("pods.invitations"), 303)


@bp.route("/pods/<int:pod_id>")
@login_required
def show(pod_id: int):
    pod, role = _pod_for(pod_id, allow_invited=True)
    invitation = None
    if role == "invited":
        invitation = db.session.scalar(
            select(Membership).where(
                Membership.pod_id == pod.id, Membership.person_id == current_user.id
            )
        )
    return render_template(
        "pods/show.html",
        pod=pod,
        need=pod.need,
        role=role,
        invitation=invitation,
        show_address=can_see_address(role, pod, current_user),
        members=thread.members(db.session, pod),
        messages=thread.thread(db.session, pod) if role != "invited" else [],
        items=thread.checklist(db.session, pod) if role != "invited" else [],
        is_requester=current_user.id == pod.need.requester_id,
    )


def _act(pod_id: int, action, success: str):
    pod, role = _pod_for(pod_id)
    try:
        action(pod, role)
    except (PodError, ThreadError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        if success:
            flash(success, "success")
    return redirect(url_for("pods.show", pod_id=pod_id) + request.form.get("anchor", ""), 303)


def _open_only(pod: Pod) -> None:
    if pod.status not in (POD_FORMING, POD_ACTIVE):
        raise PodError(_("This pod is closed."))


@bp.route("/pods/<int:pod_id>/messages", methods=["POST"])
@login_required
def post_message(pod_id: int):
    def action(pod, role):
        _open_only(pod)
        thread.post_message(db.session, pod, current_user, request.form.get("body", ""))

    return _act(pod_id, action, "")


@bp.route("/pods/<int:pod_id>/checklist", methods=["POST"])
@login_required
def add_item(pod_id: int):
    def action(pod, role):
        _open_only(pod)
        thread.add_item(db.session, pod, current_user, request.form.get("text", ""))

    return _act(pod_id, action, "")


@bp.route("/pods/<int:pod_id>/checklist/<int:item_id>", methods=["POST"])
@login_required
def toggle_item(pod_id: int, item_id: int):
    def action(pod, role):
        item = db.session.get(ChecklistItem, item_id)
        if item is None or item.pod_id != pod.id:
            abort(404)
        thread.toggle_item(db.session, item, current_user)

    return _act(pod_id, action, "")


@bp.route("/pods/<int:pod_id>/leave", methods=["POST"])
@login_required
def leave(pod_id: int):
    return _act(
        pod_id,
        lambda pod, role: lifecycle.leave(db.session, pod, current_user),
        _("You left the pod. Thanks for letting everyone know."),
    )


@bp.route("/pods/<int:pod_id>/resolve", methods=["POST"])
@login_required
def resolve(pod_id: int):
    return _act(
        pod_id,
        lambda pod, role: needs.resolve_from_pod(db.session, pod, current_user),
        _("Marked done. Thank you, everyone!"),
    )


@bp.route("/pods/<int:pod_id>/cancel", methods=["POST"])
@login_required
def cancel(pod_id: int):
    return _act(
        pod_id,
        lambda pod, role: needs.cancel_from_pod(db.session, pod, current_user),
        _("The need is cancelled and everyone was told."),
    )


@bp.route("/pods/<int:pod_id>/feedback", methods=["POST"])
@login_required
def feedback(pod_id: int):
    return _act(
        pod_id,
        lambda pod, role: lifecycle.leave_feedback(
            db.session,
            pod,
            current_user,
            request.form.get("rating", ""),
            request.form.get("note", ""),
        ),
        _("Thanks for the feedback."),
    )


@bp.route("/pods/<int:pod_id>/lead", methods=["POST"])
@login_required
def change_lead(pod_id: int):
    def action(pod, role):
        new_lead = db.session.get(Person, form_id(request.form.get("person_id", type=int)))
        if new_lead is None:
            raise PodError(_("Choose a seated helper."))
        lifecycle.change_lead(db.session, pod, current_user, new_lead)

    return _act(pod_id, action, _("The pod has a new lead."))


@bp.route("/notifications")
@login_required
def notifications():
    rows = db.session.scalars(
        select(Notification)
        .where(Notification.person_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(100)
    ).all()
    return render_template("pods/notifications.html", notifications=rows)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    db.session.execute(
        update(Notification)
        .where(Notification.person_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return redirect(url_for("pods.notifications"), 303)


bp.add_app_template_filter(render_stored, "reason")


@bp.app_template_filter("system_text")
def system_text(body: str) -> str:
    """A stored thread notice ("Ana joined the pod.") in the viewer's language."""
    return render(body)


@bp.app_template_filter("time_left")
def time_left(when) -> str:
    """'2 h 40 min left' until ``when``."""
    if when is None:
        return ""
    minutes = max(0, int((when - utcnow()).total_seconds() // 60))
    if minutes >= 120:
        return _("%(h)s h left", h=minutes // 60)
    return _("%(m)s min left", m=minutes)
