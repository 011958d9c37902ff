from __future__ import annotations

from math import ceil

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user

from mutualaid import throttle
from mutualaid.accounts import AccountError, NewAccount, authenticate, sign_up
from mutualaid.email.account import send_verification
from mutualaid.extensions import db
from mutualaid.i18n import _, _l, current_language
from mutualaid.models import utcnow
from mutualaid.phones import InvalidPhone, normalise_phone
from mutualaid.web.access import safe_next
from mutualaid.web.auth import sessions
from mutualaid.web.auth.blueprint import bp
from mutualaid.web.auth.forms import LoginForm, SignupForm

LOGIN_FAILED = _l("That email and password do not match an account. Check both and try again.")
LOCKED_OUT = _l(
    "Too many sign-in attempts. For your safety, wait %(minutes)s minutes and try again."
)


# Sign-up says the same whether or not the email is taken (issue 16): no account finding.
SIGNED_UP = _l(
    "If this email can be used, your account is ready: log in with it and the password you "
    "chose. If you already have an account, log in with your usual password."
)
SIGNUP_LOCKED = _l("Too many sign-ups from here. Please wait %(minutes)s minutes and try again.")


def _locked_out(
    form: LoginForm | SignupForm, until, message=LOCKED_OUT, template: str = "auth/login.html"
) -> tuple[str, int, dict[str, str]]:
    minutes = max(1, ceil((until - utcnow()).total_seconds() / 60))
    form.form_errors.append(str(message) % {"minutes": minutes})
    retry = {"Retry-After": str(minutes * 60)}
    return render_template(template, form=form), 429, retry


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignupForm()
    if form.validate_on_submit():
        ip = request.remote_addr or "unknown"
        until = throttle.signup_locked_until(db.session, ip)
        if until is not None:
            return _locked_out(form, until, SIGNUP_LOCKED, "auth/signup.html")
        until = throttle.record_signup(db.session, ip)
        db.session.commit()  # the attempt counts whatever happens next
        if until is not None:
            return _locked_out(form, until, SIGNUP_LOCKED, "auth/signup.html")
        settings = current_app.config["MUTUALAID"]
        try:
            phone = (
                normalise_phone(form.phone.data, settings.default_country)
                if form.phone.data
                else None
            )
            person = sign_up(
                db.session,
                current_app.extensions["passwords"],
                NewAccount(
                    name=form.name.data,
                    email=form.email.data,
                    password=form.password.data,
                    phone=phone,
                    language=current_language(),  # the language they signed up in
                ),
            )
        except InvalidPhone as exc:
            form.phone.errors.append(str(exc))
        except AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        else:
            if person is not None:
                send_verification(db.session, person)  # issue 19: prove the address
            db.session.commit()
            flash(str(SIGNED_UP), "info")
            next_url = safe_next(request.args.get("next"))
            return redirect(url_for("auth.login", next=next_url))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        ip = request.remote_addr or "unknown"
        until = throttle.locked_until(db.session, ip, form.email.data)
        if until is not None:
            return _locked_out(form, until)
        person = authenticate(
            db.session, current_app.extensions["passwords"], form.email.data, form.password.data
        )
        if person is None:
            until = throttle.record_failure(db.session, ip, form.email.data)
            db.session.commit()
            if until is not None:
                return _locked_out(form, until)
            form.form_errors.append(str(LOGIN_FAILED))
        else:
            throttle.clear_account(db.session, ip, form.email.data)
            db.session.commit()
            login_user(person)
            sessions.start(person)
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Ends this session on the server too: a copy of the cookie no longer works."""
    sessions.end(current_user.id)
    db.session.commit()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """Ends every session of this person, on every device (this one included)."""
    sessions.end_everywhere(current_user._get_current_object())
    db.session.commit()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("main.home"), 303)
