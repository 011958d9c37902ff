"""People for coordinators: directory, a person's history, suspend/restore, merge."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from mutualaid.email.sending import failed_for
from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.policy import coordinates_area
from mutualaid.web.access import coordinator_required
from mutualaid.web.coordinate.blueprint import bp
from mutualaid.web.coordinate.common import me, page_arg, scoped_person
from mutualaid.web.security import form_id
from mutualaid.workspace.people import (
    PeopleError,
    history_of,
    merge_people,
    merge_preview,
    search_people,
    set_suspended,
)


@bp.route("/people")
@coordinator_required
def people():
    q = (request.args.get("q") or "").strip()
    page = page_arg()
    rows, has_next = search_people(db.session, q, viewer=me(), page=page)
    return render_template("coordinate/people.html", people=rows, q=q, page=page, has_next=has_next)


@bp.route("/people/<int:person_id>")
@coordinator_required
def person(person_id: int):
    person = scoped_person(person_id)
    history = history_of(db.session, person, viewer=me())
    return render_template(
        "coordinate/person.html",
        person=person,
        history=history,
        failed_emails=failed_for(db.session, [person.id]),
        exact=lambda area_id: coordinates_area(me(), area_id),
    )


@bp.route("/people/<int:person_id>/suspend", methods=["POST"])
@coordinator_required
def suspend(person_id: int):
    person = scoped_person(person_id)
    suspended = request.form.get("action") != "restore"
    try:
        set_suspended(db.session, person, me(), suspended, request.form.get("reason", ""))
    except PeopleError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(
            _("%(name)s is suspended.", name=person.name)
            if suspended
            else _("%(name)s can log in again.", name=person.name),
            "success",
        )
    return redirect(url_for("coordinate.person", person_id=person_id), 303)


@bp.route("/people/<int:person_id>/merge", methods=["GET", "POST"])
@coordinator_required
def merge(person_id: int):
    """Preview (GET, ?other=id) and merge (POST): ``person_id`` survives, ``other`` is folded
    into it."""
    survivor = scoped_person(person_id)
    other_id = request.values.get("other", type=int)
    other_id = None if other_id is None else form_id(other_id)  # beyond 64 bits: not found
    candidates, _more = (
        search_people(db.session, request.args.get("q", ""), viewer=me())
        if request.args.get("q")
        else ([], False)
    )
    if other_id is None:
        return render_template(
            "coordinate/merge.html",
            survivor=survivor,
            preview=None,
            candidates=candidates,
            q=request.args.get("q", ""),
        )
    duplicate = scoped_person(other_id)
    try:
        if request.method == "POST":
            name = duplicate.name
            result = merge_people(db.session, survivor, duplicate, me())
            db.session.commit()
            flash(
                _(
                    "%(dup)s was merged into %(name)s: %(n)s records moved.",
                    dup=name,
                    name=survivor.name,
                    n=result.total,
                ),
                "success",
            )
            return redirect(url_for("coordinate.person", person_id=survivor.id), 303)
        preview = merge_preview(db.session, survivor, duplicate, me())
    except PeopleError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("coordinate.person", person_id=person_id), 303)
    return render_template(
        "coordinate/merge.html", survivor=survivor, preview=preview, candidates=[], q=""
    )
