"""Pods for coordinators: the list, and a detail page to add/remove members, change the
lead, message the pod and dissolve it."""

from __future__ import annotations

from flask import flash, render_template, request

from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.models.pods import POD_STATUSES
from mutualaid.pods import lifecycle, thread
from mutualaid.pods.formation import PodError
from mutualaid.pods.thread import ThreadError
from mutualaid.policy import escalated_to
from mutualaid.web.access import coordinator_required
from mutualaid.web.coordinate.blueprint import bp
from mutualaid.web.coordinate.common import back, me, page_arg, person_or_404, scoped_pod
from mutualaid.workspace import actions, reports

PER_PAGE = 50


@bp.route("/pods")
@coordinator_required
def pods():
    status = request.args.get("status") or None
    page = page_arg()
    listing = reports.pod_list(db.session, me(), status=status, page=page, per_page=PER_PAGE)
    return render_template(
        "coordinate/pods.html",
        rows=listing.rows,
        status=status,
        statuses=POD_STATUSES,
        page=page,
        has_next=page * PER_PAGE < listing.total,
        total=listing.total,
    )


@bp.route("/pods/<int:pod_id>")
@coordinator_required
def pod(pod_id: int):
    pod = scoped_pod(pod_id)
    members = actions.pod_members(db.session, pod)
    return render_template(
        "coordinate/pod.html",
        pod=pod,
        need=pod.need,
        members=members,
        messages=thread.thread(db.session, pod, limit=50),
        from_area=pod.need.area.name if escalated_to(me(), pod.need) else None,
    )


@bp.route("/pods/<int:pod_id>/members/add", methods=["POST"])
@coordinator_required
def add_member(pod_id: int):
    pod = scoped_pod(pod_id)
    person = actions.find_person(db.session, me(), request.form.get("who", ""))
    try:
        if person is None:  # the same answer for nobody and for someone of another area
            raise PodError(_("No person found with that id, email or phone."))
        actions.add_member(db.session, pod, person, me(), request.form.get("reason", ""))
    except PodError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(name)s joined the pod.", name=person.first_name), "success")
    return back("coordinate.pod", pod_id=pod_id)


@bp.route("/pods/<int:pod_id>/lead", methods=["POST"])
@coordinator_required
def change_lead(pod_id: int):
    pod = scoped_pod(pod_id)
    person = person_or_404(request.form.get("person_id", 0, type=int))
    try:
        lifecycle.change_lead(db.session, pod, me(), person)
    except PodError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("%(name)s now leads the pod.", name=person.first_name), "success")
    return back("coordinate.pod", pod_id=pod_id)


@bp.route("/pods/<int:pod_id>/message", methods=["POST"])
@coordinator_required
def message(pod_id: int):
    pod = scoped_pod(pod_id)
    try:
        actions.message_pod(db.session, pod, me(), request.form.get("body", ""))
    except ThreadError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("Message posted to the pod."), "success")
    return back("coordinate.pod", pod_id=pod_id)
