from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from mutualaid.accounts import AccountError, update_profile
from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.phones import InvalidPhone, normalise_phone
from mutualaid.web.account import bp
from mutualaid.web.account.forms import ProfileForm


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        settings = current_app.config["MUTUALAID"]
        try:
            phone = (
                normalise_phone(form.phone.data, settings.default_country)
                if form.phone.data
                else None
            )
            update_profile(
                db.session,
                current_user,
                name=form.name.data,
                language=form.language.data,
                phone=phone,
                sms_preference=form.sms_preference.data,
            )
        except InvalidPhone as exc:
            form.phone.errors.append(str(exc))
        except AccountError as exc:
            getattr(form, exc.field or "name").errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("account.profile"))
    status = 400 if form.is_submitted() else 200
    return render_template("account/profile.html", form=form), status
