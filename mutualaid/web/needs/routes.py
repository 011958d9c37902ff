from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from mutualaid import categories
from mutualaid.extensions import db
from mutualaid.i18n import _, ago
from mutualaid.models import Need, Person
from mutualaid.models.places import LOCATION_FAILED
from mutualaid.need_records import NeedError, NeedInput, expiry_hours
from mutualaid.needs import (
    board_origin,
    cancel_need,
    edit_need,
    needs_of,
    open_board,
    post_need,
    reopen_need,
    resolve_need,
    stuck_locations,
)
from mutualaid.policy import can_manage, can_see_private
from mutualaid.web.access import coordinator_required
from mutualaid.web.locating import locate_field
from mutualaid.web.needs.blueprint import bp
from mutualaid.web.needs.forms import BoardFilterForm, NeedForm


def _me() -> Person:
    user: Person = current_user._get_current_object()  # flask_login is untyped
    return user


def _hours() -> dict:
    return expiry_hours(current_app.config["MUTUALAID"].need_expiry_hours)


def _input(form: NeedForm) -> NeedInput:
    return NeedInput(
        category=form.category.data,
        urgency=form.urgency.data,
        people_needed=form.people_needed.data,
        details=form.details.data or "",
        contact_preference=form.contact_preference.data,
    )


def _own_need(need_id: int, *, manage: bool = True) -> Need:
    """The need if the viewer may change it (``manage``) or only see it privately."""
    need = db.session.get(Need, need_id)
    if need is None or not can_see_private(_me(), need):
        abort(404)  # never confirm that someone else's need exists
    if manage and not can_manage(_me(), need):
        abort(403)
    return need


bp.add_app_template_filter(categories.label, "category_name")


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = NeedForm()
    if form.validate_on_submit():
        location, note = locate_field(form.location)
        if location is not None:
            try:
                need = post_need(
                    db.session,
                    _me(),
                    _input(form),
                    location,
                    hours=_hours(),
                    per_hour_limit=current_app.config["MUTUALAID"].need_posts_per_hour,
                )
            except NeedError as exc:
                getattr(form, exc.field or "category").errors.append(str(exc.message))
            else:
                db.session.commit()
                flash(_("Your request is posted. Its code is %(code)s.", code=need.code), "success")
                if note:
                    flash(note, "info")
                return redirect(url_for("needs.detail", need_id=need.id))
    status = 400 if form.is_submitted() else 200
    return render_template("needs/form.html", form=form, need=None), status


@bp.route("/mine")
@login_required
def mine():
    return render_template("needs/mine.html", needs=needs_of(db.session, _me()))


@bp.route("/<int:need_id>")
@login_required
def detail(need_id: int):
    need = _own_need(need_id, manage=False)
    return render_template("needs/detail.html", need=need, can_manage=can_manage(_me(), need))


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@login_required
def edit(need_id: int):
    need = _own_need(need_id)
    if not need.is_active:
        flash(_("This request is closed. Re-open it to change it."), "info")
        return redirect(url_for("needs.detail", need_id=need.id))
    form = NeedForm(obj=need, data={"location": need.address_text}, keep=(need.category,))
    if form.validate_on_submit():
        location, note = None, None
        if (form.location.data or "").strip() != need.address_text or (
            need.location_status == LOCATION_FAILED
        ):
            location, note = locate_field(form.location)
        if not form.location.errors:
            try:
                edit_need(db.session, need, _input(form), location, hours=_hours())
            except NeedError as exc:
                getattr(form, exc.field or "category").errors.append(str(exc.message))
            else:
                db.session.commit()
                flash(_("Your request is updated."), "success")
                if note:
                    flash(note, "info")
                return redirect(url_for("needs.detail", need_id=need.id))
    status = 400 if form.is_submitted() else 200
    return render_template("needs/form.html", form=form, need=need), status


def _transition(need_id: int, action, done: str):
    need = _own_need(need_id)
    try:
        if action is reopen_need:
            reopen_need(db.session, need, hours=_hours())
        else:
            action(db.session, need, actor=_me())
    except NeedError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("needs.detail", need_id=need_id))


@bp.route("/<int:need_id>/cancel", methods=["POST"])
@login_required
def cancel(need_id: int):
    return _transition(need_id, cancel_need, _("Your request is cancelled."))


@bp.route("/<int:need_id>/resolve", methods=["POST"])
@login_required
def resolve(need_id: int):
    return _transition(need_id, resolve_need, _("Marked as resolved. Thank you!"))


@bp.route("/<int:need_id>/reopen", methods=["POST"])
@login_required
def reopen(need_id: int):
    return _transition(need_id, reopen_need, _("Your request is open again."))


@bp.route("/board")
@login_required
def board():
    form = BoardFilterForm(request.args)
    category = form.category.data if form.validate() and form.category.data else None
    origin, radius = board_origin(
        db.session, _me(), cell_m=current_app.config["MUTUALAID"].grid_cell_m
    )
    entries = open_board(db.session, origin=origin, radius_km=radius, category=category)
    area = _me().home_area
    units = area.units if area is not None else "km"
    return render_template(
        "needs/board.html", form=form, entries=entries, origin=origin, radius=radius, units=units
    )


@bp.route("/locations")
@coordinator_required
def locations():
    """Coordinators: needs and offers whose place is still pending or could not be found."""
    needs, offers = stuck_locations(db.session, _me())
    return render_template("needs/locations.html", needs=needs, offers=offers)


@bp.app_template_filter("age")
def age(when) -> str:
    """ "5 minutes", "3 hours", "2 days" in the viewer's language: how long ago, coarse."""
    return ago(when)
