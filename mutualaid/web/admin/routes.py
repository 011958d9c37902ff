from __future__ import annotations

from collections.abc import Mapping

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from mutualaid.accounts import AccountError, set_role
from mutualaid.areas import AreaError, AreaInput, save_area, set_coordinators, staff
from mutualaid.extensions import db
from mutualaid.i18n import _, _l
from mutualaid.models import Area, Person
from mutualaid.models.people import ROLES
from mutualaid.web.access import admin_required, coordinator_required
from mutualaid.web.admin.blueprint import bp
from mutualaid.web.security import form_id
from mutualaid.workspace.people import search_people

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
    rows, has_next = search_people(db.session, q, viewer=current_user, page=page)
    return render_template(
        "admin/people.html",
        people=rows,
        q=q,
        page=page,
        has_next=has_next,
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


@bp.route("/areas/new", methods=["GET", "POST"])
@admin_required
def new_area():
    return _area_form(None)


@bp.route("/areas/<int:area_id>", methods=["GET", "POST"])
@admin_required
def edit_area(area_id: int):
    return _area_form(db.session.get(Area, area_id) or abort(404))


def _area_form(area: Area | None):
    errors: dict[str, str] = {}
    people = staff(db.session)
    values: Mapping[str, float | str] = {
        "slug": area.slug if area else "",
        "name": area.name if area else "",
        "center_lat": area.center_lat if area else "",
        "center_lng": area.center_lng if area else "",
        "radius_km": area.radius_km if area else 3.0,
        "timezone": area.timezone if area else "America/New_York",
        "units": area.units if area else "km",
    }
    chosen = {p.id for p in area.coordinators} if area else set()
    if request.method == "POST":
        posted = {k: request.form.get(k, "").strip() for k in values}
        values = posted
        chosen = {form_id(int(v)) for v in request.form.getlist("coordinators") if v.isdecimal()}
        try:
            numbers = {}
            for key in ("center_lat", "center_lng", "radius_km"):
                try:
                    numbers[key] = float(posted[key])
                except ValueError:
                    raise AreaError(_("Enter a number."), key) from None
            data = AreaInput(
                slug=posted["slug"].lower(),
                name=posted["name"],
                timezone=posted["timezone"],
                units=posted["units"],
                **numbers,
            )
            saved = save_area(db.session, current_user, data, area)
            picked = [db.session.get(Person, i) for i in sorted(chosen)]
            set_coordinators(db.session, current_user, saved, [p for p in picked if p])
        except AreaError as exc:
            db.session.rollback()
            errors[exc.field] = str(exc)
        else:
            db.session.commit()
            flash(_("Area %(name)s is saved.", name=saved.name), "success")
            return redirect(url_for("admin.index"), 303)
    status = 400 if errors else 200
    return (
        render_template(
            "admin/area_form.html",
            area=area,
            values=values,
            errors=errors,
            people=people,
            chosen=chosen,
        ),
        status,
    )
