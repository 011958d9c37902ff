from __future__ import annotations

from flask import current_app, flash, redirect, render_template, url_for
from flask_login import current_user, login_required

from mutualaid.accounts import AccountError, change_password, update_profile
from mutualaid.email.preferences import channels
from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.phones import InvalidPhone, mask_phone, normalise_phone
from mutualaid.sms.identity import VerificationError, confirm_code, start_verification
from mutualaid.web.account.blueprint import bp
from mutualaid.web.account.forms import (
    DeleteAccountForm,
    EmailChangeForm,
    EverywhereForm,
    NoticesForm,
    PasswordForm,
    PhoneCodeForm,
    PhoneSendForm,
    ProfileForm,
)
from mutualaid.web.auth import sessions
from mutualaid.web.auth.forms import ConfirmForm


def _profile_page(
    form: ProfileForm,
    password_form: PasswordForm | None = None,
    status=200,
    *,
    email_form: EmailChangeForm | None = None,
    delete_form: DeleteAccountForm | None = None,
    notices_form: NoticesForm | None = None,
):
    if notices_form is None:
        notices_form = NoticesForm(
            formdata=None, prefix="nt", data=channels(db.session, current_user)
        )
    html = render_template(
        "account/profile.html",
        form=form,
        password_form=password_form or PasswordForm(formdata=None, prefix="pw"),
        everywhere_form=EverywhereForm(),
        email_form=email_form or EmailChangeForm(formdata=None, prefix="em"),
        delete_form=delete_form or DeleteAccountForm(formdata=None, prefix="del"),
        resend_form=ConfirmForm(formdata=None),
        notices_form=notices_form,
    )
    return html, status


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
    return _profile_page(form, status=400 if form.is_submitted() else 200)


@bp.route("/password", methods=["POST"])
@login_required
def password():
    """A new password; every other session of this person ends, this one stays."""
    form = PasswordForm(prefix="pw")
    if form.validate_on_submit():
        me = current_user._get_current_object()
        try:
            change_password(
                db.session,
                current_app.extensions["passwords"],
                me,
                form.current.data,
                form.new.data,
            )
        except AccountError as exc:
            getattr(form, exc.field or "current").errors.append(str(exc))
        else:
            db.session.commit()
            sessions.start(me)  # this device keeps a session under the new epoch
            flash(_("Your password is changed. Other devices are logged out."), "success")
            return redirect(url_for("account.profile"), 303)
    return _profile_page(ProfileForm(obj=current_user), form, status=400)


@bp.route("/phone", methods=["GET", "POST"])
@login_required
def phone():
    """Verify a phone number with a code sent by SMS (merges a phone-only record)."""
    send_form = PhoneSendForm(prefix="send")
    code_form = PhoneCodeForm(prefix="code")
    status = 200
    if send_form.send.data and send_form.validate_on_submit():
        settings = current_app.config["MUTUALAID"]
        try:
            number = normalise_phone(send_form.phone.data, settings.default_country)
            start_verification(db.session, current_user, number)
        except (InvalidPhone, VerificationError) as exc:
            send_form.phone.errors.append(str(exc))
            status = 400
        else:
            db.session.commit()
            flash(_("We texted a code to %(phone)s.", phone=mask_phone(number)), "success")
            return redirect(url_for("account.phone", sent=1))
    elif code_form.confirm.data and code_form.validate_on_submit():
        try:
            confirm_code(db.session, current_user, code_form.code.data)
        except VerificationError as exc:
            db.session.commit()  # keep the counted wrong attempt
            code_form.code.errors.append(str(exc))
            status = 400
        else:
            db.session.commit()
            flash(_("Your phone number is verified."), "success")
            return redirect(url_for("account.profile"))
    elif send_form.is_submitted() or code_form.is_submitted():
        if not (send_form.send.data or code_form.confirm.data):  # neither button: say so
            flash(_("Nothing was sent. Use “Text me a code” or “Verify”."), "error")
        status = 400
    return render_template("account/phone.html", send_form=send_form, code_form=code_form), status
