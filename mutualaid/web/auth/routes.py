from __future__ import annotations

from math import ceil

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from mutualaid import throttle
from mutualaid.accounts import AccountError, NewAccount, authenticate, create_person
from mutualaid.extensions import db
from mutualaid.i18n import _, _l, current_language
from mutualaid.models import utcnow
from mutualaid.phones import InvalidPhone, normalise_phone
from mutualaid.sms.identity import VerificationError, phone_only_owner, start_verification
from mutualaid.web.access import safe_next
from mutualaid.web.auth.blueprint import bp
from mutualaid.web.auth.forms import LoginForm, SignupForm

LOGIN_FAILED = _l("That email and password do not match an account. Check both and try again.")
LOCKED_OUT = _l(
    "Too many sign-in attempts. For your safety, wait %(minutes)s minutes and try again."
)


def _locked_out(form: LoginForm, until) -> tuple[str, int, dict[str, str]]:
    minutes = max(1, ceil((until - utcnow()).total_seconds() / 60))
    form.form_errors.append(str(LOCKED_OUT) % {"minutes": minutes})
    retry = {"Retry-After": str(minutes * 60)}
    return render_template("auth/login.html", form=form), 429, retry


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = SignupForm()
    if form.validate_on_submit():
        settings = current_app.config["MUTUALAID"]
        phone = None
        texted_before = None  # a phone-only person with this number: merge after a code
        try:
            if form.phone.data:
                phone = normalise_phone(form.phone.data, settings.default_country)
                texted_before = phone_only_owner(db.session, phone)
            person = create_person(
                db.session,
                current_app.extensions["passwords"],
                NewAccount(
                    name=form.name.data,
                    email=form.email.data,
                    password=form.password.data,
                    phone=None if texted_before else phone,
                    language=current_language(),  # the language they signed up in
                ),
            )
            if texted_before is not None and phone is not None:  # found by that phone
                start_verification(db.session, person, phone)
        except InvalidPhone as exc:
            form.phone.errors.append(str(exc))
        except AccountError as exc:
            getattr(form, exc.field or "email").errors.append(str(exc))
        except VerificationError as exc:
            form.phone.errors.append(str(exc))
        else:
            db.session.commit()
            login_user(person)
            if texted_before is not None:
                flash(
                    _(
                        "You have texted us from this number before. Enter the code we just "
                        "texted to bring your needs and pods into this account."
                    ),
                    "info",
                )
                return redirect(url_for("account.phone"))
            flash(_("Welcome, %(name)s! Your account is ready.", name=person.first_name), "success")
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
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
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash(_("You are logged out."), "info")
    return redirect(url_for("main.home"))
