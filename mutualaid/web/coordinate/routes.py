from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user

from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.models import Need, Person, Pod
from mutualaid.pods import lifecycle
from mutualaid.pods.access import coordinates_area
from mutualaid.pods.formation import PodError, start_pod
from mutualaid.web.access import coordinator_required
from mutualaid.web.coordinate import bp


def _need(need_id: int) -> Need:
    need = db.session.get(Need, need_id)
    if need is None or not coordinates_area(current_user, need.area_id):
        abort(404)
    return need


def _pod(pod_id: int) -> Pod:
    pod = db.session.get(Pod, pod_id)
    if pod is None or not coordinates_area(current_user, pod.need.area_id):
        abort(404)
    return pod


@bp.route("/needs/<int:need_id>/form-pod", methods=["POST"])
@coordinator_required
def form_pod(need_id: int):
    need = _need(need_id)
    try:
        pod = start_pod(db.session, need)
    except PodError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(request.referrer or url_for("main.home"), 303)
    db.session.commit()
    if need.unmatched_reason:
        flash(_("No one could be invited: %(reason)s", reason=need.unmatched_reason), "error")
    else:
        flash(_("Pod %(code)s is forming; invitations are out.", code=pod.code), "success")
    return redirect(url_for("pods.show", pod_id=pod.id), 303)


@bp.route("/pods/<int:pod_id>/dissolve", methods=["POST"])
@coordinator_required
def dissolve(pod_id: int):
    pod = _pod(pod_id)
    try:
        lifecycle.dissolve(db.session, pod, current_user, request.form.get("reason", ""))
    except PodError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Pod %(code)s was dissolved.", code=pod.code), "success")
    return redirect(url_for("pods.show", pod_id=pod.id), 303)


@bp.route("/pods/<int:pod_id>/members/<int:person_id>/remove", methods=["POST"])
@coordinator_required
def remove_member(pod_id: int, person_id: int):
    pod = _pod(pod_id)
    person = db.session.get(Person, person_id) or abort(404)
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
    return redirect(url_for("pods.show", pod_id=pod.id), 303)
