from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from mutualaid.accounts import AccountError, set_role
from mutualaid.extensions import db
from mutualaid.i18n import _, _l
from mutualaid.models import Area, Person
from mutualaid.models.people import ROLES
from mutualaid.web.access import admin_required, coordinator_required
from mutualaid.web.admin import bp

PAGE_SIZE = 50
ROLE_WORDS = {"neighbor": _l("neighbor"), "coordinator": _l("coordinator"), "admin": _l("admin")}


@bp.route("/")
@admin_required
def index():
    areas = db.session.scalars(select(Area).order_by(Area.name)).all()
    counts = dict(db.session.execute(select(Person.role, func.count()).group_by(Person.role)).all())
    settings = current_app.config["MUTUALAID"].public_dict()
    return render_template("admin/index.html", areas=areas, counts=counts, settings=settings)


@bp.route("/people")
@coordinator_required
def people():
    """Directory of people: search by name, email or the last digits of a phone number."""
    q = (request.args.get("q") or "").strip()
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)
    stmt = select(Person).order_by(Person.name, Person.id)
    if q:
        like = f"%{q.lower()}%"
        digits = "".join(ch for ch in q if ch.isdigit())
        conditions = [func.lower(Person.name).like(like), func.lower(Person.email).like(like)]
        if len(digits) >= 4:
            conditions.append(Person.phone.like(f"%{digits}"))
        stmt = stmt.where(or_(*conditions))
    rows = db.session.scalars(stmt.limit(PAGE_SIZE + 1).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "admin/people.html",
        people=rows[:PAGE_SIZE],
        q=q,
        page=page,
        has_next=len(rows) > PAGE_SIZE,
        roles=ROLES,
    )


@bp.route("/people/<int:person_id>/role", methods=["POST"])
@admin_required
def change_role(person_id: int):
    person = db.session.get(Person, person_id) or abort(404)
    try:
        set_role(db.session, current_user, person, request.form.get("role", ""))
    except AccountError as exc:
        flash(str(exc), "error")
        return redirect(url_for("admin.people")), 303
    db.session.commit()
    flash(
        _(
            "%(name)s is now %(role)s.",
            name=person.name,
            role=ROLE_WORDS.get(person.role, person.role),
        ),
        "success",
    )
    return redirect(url_for("admin.people", q=request.form.get("q", ""))), 303
