"""Queue and need detail: what needs attention now, and acting on one need."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from mutualaid import categories
from mutualaid.extensions import db
from mutualaid.i18n import _, current_language
from mutualaid.models.needs import ACTIVE_STATUSES, STATUSES
from mutualaid.need_records import NeedError, NeedInput
from mutualaid.pods import lifecycle
from mutualaid.pods.formation import PodError, start_pod
from mutualaid.policy import escalated_to
from mutualaid.web.access import coordinator_required, safe_next
from mutualaid.web.coordinate.blueprint import bp
from mutualaid.web.coordinate.common import (
    arg_id,
    me,
    page_arg,
    person_or_404,
    scoped_need,
    scoped_pod,
)
from mutualaid.web.security import form_id
from mutualaid.workspace import actions
from mutualaid.workspace.queue import QueueFilters, queue_config, queue_page
from mutualaid.workspace.reports import areas_for


@bp.route("/")
@coordinator_required
def queue():
    area_id = arg_id("area")
    category = request.args.get("category") or None
    status = request.args.get("status") or None
    if status not in (None, *STATUSES):
        status = None
    filters = QueueFilters(area_id=area_id, category=category, status=status)
    areas = areas_for(db.session, me())  # first: the rows' areas come from the session
    result = queue_page(db.session, me(), filters, page=page_arg())
    return render_template(
        "coordinate/queue.html",
        result=result,
        filters=filters,
        areas=areas,
        categories=categories.choices(current_language(), keep=categories.keys()),
        statuses=STATUSES,
        ages=queue_config().ages,
    )


@bp.route("/needs/<int:need_id>")
@coordinator_required
def need(need_id: int):
    need = scoped_need(need_id)
    radius = request.args.get("radius", type=float)
    pod = actions.pod_of(db.session, need)
    try:
        suggestions = (
            actions.suggestions(db.session, need, radius_km=radius) if need.is_active else []
        )
    except ValueError:
        flash(_("That radius is out of range."), "error")
        suggestions = actions.suggestions(db.session, need)
    members = actions.pod_members(db.session, pod)
    people = actions.people_by_id(db.session, [s.person_id for s in suggestions])
    actions.record_need_viewed(db.session, me(), need)
    db.session.commit()
    return render_template(
        "coordinate/need.html",
        need=need,
        pod=pod,
        members=members,
        suggestions=suggestions,
        people=people,
        radius=radius,
        categories=categories.choices(current_language(), keep=(need.category,)),
        active=need.status in ACTIVE_STATUSES,
        # Here as a neighboring area's escalated need: say so, and no links to its people.
        from_area=need.area.name if escalated_to(me(), need) else None,
    )


def _done(need_id: int):
    return redirect(url_for("coordinate.need", need_id=need_id), 303)


@bp.route("/needs/<int:need_id>/invite", methods=["POST"])
@coordinator_required
def invite(need_id: int):
    need = scoped_need(need_id)
    chosen = request.form.getlist("person_id") or request.form.getlist("pick")
    try:
        ids = [form_id(int(x)) for x in chosen]  # out-of-range ids match nobody
        radius = request.form.get("radius", type=float)
        invited = actions.invite_suggestion(db.session, need, ids, me(), radius_km=radius)
    except (PodError, ValueError) as exc:
        db.session.rollback()
        flash(str(exc) if isinstance(exc, PodError) else _("Choose someone to invite."), "error")
        return _done(need_id)
    db.session.commit()
    flash(_("%(n)s invitation(s) sent.", n=len(invited)), "success")
    return _done(need_id)


@bp.route("/needs/<int:need_id>/form-pod", methods=["POST"])
@coordinator_required
def form_pod(need_id: int):
    need = scoped_need(need_id)
    try:
        pod = start_pod(db.session, need)
    except PodError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(request.referrer or url_for("coordinate.need", need_id=need_id), 303)
    db.session.commit()
    if need.unmatched_reason:
        flash(_("No one could be invited: %(reason)s", reason=need.unmatched_reason), "error")
    else:
        flash(_("Pod %(code)s is forming; invitations are out.", code=pod.code), "success")
    return redirect(url_for("pods.show", pod_id=pod.id), 303)


@bp.route("/needs/<int:need_id>/widen", methods=["POST"])
@coordinator_required
def widen(need_id: int):
    need = scoped_need(need_id)
    try:
        km = actions.widen_radius(db.session, need, me())
    except PodError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Now searching within %(km)s km.", km=f"{km:g}"), "success")
    return _done(need_id)


@bp.route("/needs/<int:need_id>/edit", methods=["POST"])
@coordinator_required
def edit(need_id: int):
    need = scoped_need(need_id)
    people = request.form.get("people_needed", "").strip()
    try:
        data = NeedInput(
            category=request.form.get("category", ""),
            urgency=request.form.get("urgency", ""),
            people_needed=int(people) if people else None,
            details=request.form.get("details", ""),
            contact_preference=need.contact_preference,
        )
        actions.edit_as_coordinator(db.session, need, me(), data)
    except ValueError as exc:
        db.session.rollback()
        message = getattr(exc, "message", None) or _("People needed must be a whole number.")
        flash(str(message), "error")
        return _done(need_id)
    db.session.commit()
    flash(_("Need %(code)s was updated.", code=need.code), "success")
    return _done(need_id)


@bp.route("/needs/<int:need_id>/cancel", methods=["POST"])
@coordinator_required
def cancel(need_id: int):
    need = scoped_need(need_id)
    try:
        actions.cancel_as_coordinator(db.session, need, me(), request.form.get("reason", ""))
    except NeedError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return _done(need_id)
    db.session.commit()
    flash(_("Need %(code)s was cancelled.", code=need.code), "success")
    return _done(need_id)


@bp.route("/needs/<int:need_id>/contact", methods=["POST"])
@coordinator_required
def contact(need_id: int):
    need = scoped_need(need_id)
    try:
        actions.contact_requester(db.session, need, me(), request.form.get("message", ""))
    except PodError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Your message was sent to %(name)s.", name=need.requester.first_name), "success")
    return _done(need_id)


@bp.route("/pods/<int:pod_id>/dissolve", methods=["POST"])
@coordinator_required
def dissolve(pod_id: int):
    pod = scoped_pod(pod_id)
    try:
        lifecycle.dissolve(db.session, pod, current_user, request.form.get("reason", ""))
    except PodError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Pod %(code)s was dissolved.", code=pod.code), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("pods.show", pod_id=pod.id), 303)


@bp.route("/pods/<int:pod_id>/members/<int:person_id>/remove", methods=["POST"])
@coordinator_required
def remove_member(pod_id: int, person_id: int):
    pod = scoped_pod(pod_id)
    person = person_or_404(person_id)
    reason = request.form.get("reason", "").strip()
    try:
        if not reason:
            raise PodError(_("Say why the member is being removed."))
        lifecycle.leave(db.session, pod, person, reason=reason, removed_by=current_user)
    except PodError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(name)s was removed from the pod.", name=person.first_name), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("pods.show", pod_id=pod.id), 303)
