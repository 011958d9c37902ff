"""Account lifecycle on the profile (issue 19): change the email address (confirmed from
the new address; the old one is told), delete the account."""

from __future__ import annotations

from flask import current_app, flash, redirect, url_for
from flask_login import current_user, login_required

from mutualaid.account_deletion import delete_account
from mutualaid.accounts import AccountError
from mutualaid.email.account import request_email_change
from mutualaid.email.preferences import set_channel
from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.models.email import CATEGORIES
from mutualaid.web.account.blueprint import bp
from mutualaid.web.account.forms import (
    DeleteAccountForm,
    EmailChangeForm,
    NoticesForm,
    ProfileForm,
)
from mutualaid.web.account.routes import _profile_page
from mutualaid.web.auth import sessions


@bp.route("/email", methods=["POST"])
@login_required
def change_email():
    form = EmailChangeForm(prefix="em")
    if form.validate_on_submit():
        try:
            request_email_change(
                db.session,
                current_app.extensions["passwords"],
                current_user._get_current_object(),
                form.password.data,
                form.email.data,
            )
        except AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            db.session.commit()
            flash(
                _(
                    "If that address can be used, we sent it a link. Your address changes "
                    "when you open the link (within 24 hours)."
                ),
                "info",
            )
            return redirect(url_for("account.profile"), 303)
    return _profile_page(ProfileForm(obj=current_user), status=400, email_form=form)


@bp.route("/delete", methods=["POST"])
@login_required
def delete():
    form = DeleteAccountForm(prefix="del")
    if form.validate_on_submit():
        me = current_user._get_current_object()
        try:
            delete_account(
                db.session, current_app.extensions["passwords"], me, form.password.data or ""
            )
        except AccountError as exc:
            form.password.errors.append(str(exc))
        else:
            db.session.commit()
            sessions.end_everywhere(me)
            db.session.commit()
            flash(_("Your account is deleted. Thank you for helping your neighbors."), "info")
            return redirect(url_for("main.home"), 303)
    return _profile_page(ProfileForm(obj=current_user), status=400, delete_form=form)


@bp.route("/notices", methods=["POST"])
@login_required
def notices():
    """Text, email, both or none, per kind of notice."""
    form = NoticesForm(prefix="nt")
    if form.validate_on_submit():
        me = current_user._get_current_object()
        for category in CATEGORIES:
            set_channel(db.session, me, category, form[category].data)
        db.session.commit()
        flash(_("Saved: this is how we will reach you."), "success")
        return redirect(url_for("account.profile") + "#notices", 303)
    return _profile_page(ProfileForm(obj=current_user), status=400, notices_form=form)
