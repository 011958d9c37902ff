"""Admin: categories of needs and offers, and the retention period."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from mutualaid.admin_settings import (
    AdminSettingError,
    CategoryInput,
    add_category,
    category_rows,
    parse_synonyms,
    retention_override,
    set_category_active,
    set_retention_days,
    update_category,
)
from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.models import CategoryRow
from mutualaid.web.access import admin_required
from mutualaid.web.admin.blueprint import bp

CATEGORY_FIELDS = ("key", "name_en", "name_es", "people_needed", "synonyms")


def _category_input(values: dict[str, str], key: str) -> CategoryInput:
    try:
        people = int(values["people_needed"] or "1")
    except ValueError:
        raise AdminSettingError(_("Enter a whole number."), "people_needed") from None
    return CategoryInput(
        key=key,
        name_en=values["name_en"],
        name_es=values["name_es"],
        people_needed=people,
        synonyms=parse_synonyms(values["synonyms"]),
    )


@bp.route("/categories", methods=["GET", "POST"])
@admin_required
def categories():
    """Every category (deactivated ones too) and a form to add one."""
    values = dict.fromkeys(CATEGORY_FIELDS, "")
    values["people_needed"] = "1"
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in CATEGORY_FIELDS}
        try:
            row = add_category(
                db.session, current_user, _category_input(values, values["key"].lower())
            )
        except AdminSettingError as exc:
            db.session.rollback()
            errors[exc.field or "key"] = str(exc)
        else:
            db.session.commit()
            flash(_("Category %(name)s is added.", name=row.name_en), "success")
            return redirect(url_for("admin.categories"), 303)
    return render_template(
        "admin/categories.html",
        rows=category_rows(db.session),
        values=values,
        errors=errors,
    ), (400 if errors else 200)


@bp.route("/categories/<key>", methods=["GET", "POST"])
@admin_required
def edit_category(key: str):
    row = db.session.get(CategoryRow, key) or abort(404)
    values = {
        "key": row.key,
        "name_en": row.name_en,
        "name_es": row.name_es,
        "people_needed": str(row.people_needed),
        "synonyms": ", ".join(row.synonyms or []),
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        values = {k: request.form.get(k, "").strip() for k in CATEGORY_FIELDS}
        try:
            update_category(db.session, current_user, row, _category_input(values, row.key))
        except AdminSettingError as exc:
            db.session.rollback()
            errors[exc.field or "name_en"] = str(exc)
        else:
            db.session.commit()
            flash(_("Category %(name)s is saved.", name=row.name_en), "success")
            return redirect(url_for("admin.categories"), 303)
    return render_template("admin/category_form.html", row=row, values=values, errors=errors), (
        400 if errors else 200
    )


@bp.route("/categories/<key>/active", methods=["POST"])
@admin_required
def category_active(key: str):
    row = db.session.get(CategoryRow, key) or abort(404)
    active = request.form.get("active") == "1"
    try:
        set_category_active(db.session, current_user, row, active)
    except AdminSettingError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        if active:
            flash(_("%(name)s is offered again.", name=row.name_en), "success")
        else:
            flash(
                _(
                    "%(name)s is no longer offered; existing needs and offers keep it.",
                    name=row.name_en,
                ),
                "success",
            )
    return redirect(url_for("admin.categories"), 303)


@bp.route("/retention", methods=["GET", "POST"])
@admin_required
def retention():
    """How long closed needs keep their address, details and texts."""
    default = current_app.config["MUTUALAID"].retention_days
    override = retention_override(db.session)
    value = "" if override is None else str(override)
    error = ""
    if request.method == "POST":
        value = request.form.get("days", "").strip()
        try:
            if request.form.get("reset") == "1":
                days = None
            else:
                try:
                    days = int(value)
                except ValueError:
                    raise AdminSettingError(
                        _("Enter a number of days from 0 to 3650."), "days"
                    ) from None
            set_retention_days(db.session, current_user, days, default)
        except AdminSettingError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The retention period is saved."), "success")
            return redirect(url_for("admin.retention"), 303)
    return render_template(
        "admin/retention.html", default=default, override=override, value=value, error=error
    ), (400 if error else 200)
