"""Links from account emails (issue 19): verify an address, forgot password / reset it,
confirm a new address. Each link's GET shows a page and changes nothing (mail scanners
follow links); the POST acts."""

from __future__ import annotations

from math import ceil

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, logout_user

from mutualaid import throttle
from mutualaid.accounts import AccountError
from mutualaid.email.account import (
    confirm_email_change,
    confirm_verification,
    find_token,
    reset_password,
    send_reset,
    send_verification,
)
from mutualaid.extensions import db
from mutualaid.i18n import _, _l
from mutualaid.models import utcnow
from mutualaid.models.email import PURPOSE_EMAIL_CHANGE, PURPOSE_RESET, PURPOSE_VERIFY
from mutualaid.web.auth.blueprint import bp
from mutualaid.web.auth.forms import ConfirmForm, ForgotForm, ResetForm

# The same answer whether or not an account uses the address.
RESET_SENT = _l(
    "If an account uses that address, we have emailed it a link to choose a new password. "
    "The link works once, for 1 hour."
)
TOO_MANY = _l("Too many requests from here. Please wait %(minutes)s minutes and try again.")
BAD_LINK = _l(
    "This link has expired or was already used. Links work once; a newer email replaces an "
    "older one."
)


def _limited() -> tuple[str, int, dict[str, str]] | None:
    """Count this request for an account email from this client; an answer if over the limit."""
    ip = request.remote_addr or "unknown"
    limit = current_app.config["MUTUALAID"].email_reset_per_ip_hour
    until = throttle.email_requests_locked_until(db.session, ip)
    if until is None:
        until = throttle.record_email_request(db.session, ip, limit + 1)
    db.session.commit()  # the request counts whatever happens next
    if until is None:
        return None
    minutes = max(1, ceil((until - utcnow()).total_seconds() / 60))
    return (
        render_template("auth/message.html", title=_("Too many requests"),
                        message=str(TOO_MANY) % {"minutes": minutes}),
        429,
        {"Retry-After": str(minutes * 60)},
    )  # fmt: skip


def _bad_link(title: str):
    return render_template("auth/message.html", title=title, message=str(BAD_LINK), again=True), 400


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    form = ForgotForm()
    if form.validate_on_submit():
        limited = _limited()
        if limited is not None:
            return limited
        send_reset(db.session, form.email.data or "")
        db.session.commit()
        flash(str(RESET_SENT), "info")
        return redirect(url_for("auth.login"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset(token: str):
    if find_token(db.session, token, PURPOSE_RESET) is None:
        return _bad_link(_("Reset your password"))
    form = ResetForm()
    if form.validate_on_submit():
        try:
            person = reset_password(
                db.session, current_app.extensions["passwords"], token, form.new.data
            )
        except AccountError as exc:
            form.new.errors.append(str(exc))
        else:
            if person is None:
                return _bad_link(_("Reset your password"))
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            flash(
                _("Your password is changed and every session has ended. Log in with it."),
                "success",
            )
            return redirect(url_for("auth.login"), 303)
    status = 400 if form.is_submitted() else 200
    return render_template("auth/reset.html", form=form), status


@bp.route("/verify/<token>", methods=["GET", "POST"])
def verify(token: str):
    if find_token(db.session, token, PURPOSE_VERIFY) is None:
        return _bad_link(_("Confirm your email address"))
    form = ConfirmForm()
    if form.validate_on_submit():
        person = confirm_verification(db.session, token)
        if person is None:
            return _bad_link(_("Confirm your email address"))
        db.session.commit()
        flash(_("Thank you: your email address is confirmed."), "success")
        return redirect(url_for("main.home"), 303)
    return render_template(
        "auth/confirm.html", form=form, title=_("Confirm your email address"),
        message=_("Press the button to confirm this is your address."),
    )  # fmt: skip


@bp.route("/email-change/<token>", methods=["GET", "POST"])
def email_change(token: str):
    if find_token(db.session, token, PURPOSE_EMAIL_CHANGE) is None:
        return _bad_link(_("Confirm your new email address"))
    form = ConfirmForm()
    if form.validate_on_submit():
        person = confirm_email_change(db.session, token)
        db.session.commit()
        if person is None:
            return _bad_link(_("Confirm your new email address"))
        flash(_("Your email address is changed."), "success")
        return redirect(url_for("main.home"), 303)
    return render_template(
        "auth/confirm.html", form=form, title=_("Confirm your new email address"),
        message=_("Press the button to use this address for your account."),
    )  # fmt: skip


@bp.route("/verify", methods=["POST"])
@login_required
def resend_verification():
    """Send the verification link again (rate limited per client and per address)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return redirect(url_for("account.profile"), 303)
    limited = _limited()
    if limited is not None:
        return limited
    sent = send_verification(db.session, current_user._get_current_object())
    db.session.commit()
    if sent:
        flash(_("We sent the link again. Check your inbox."), "success")
    else:
        flash(_("No link was sent: wait an hour before asking again."), "info")
    return redirect(url_for("account.profile"), 303)
