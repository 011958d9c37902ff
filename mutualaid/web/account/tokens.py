"""API tokens on the profile: create (the secret is shown once; read-only or read-write,
expiring after API_TOKEN_DAYS), list with scope, expiry and last use, revoke."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, StringField, SubmitField
from wtforms.validators import Length, Optional

from mutualaid.api_tokens import (
    SCOPE_READ,
    SCOPE_WRITE,
    TokenError,
    create_token,
    revoke,
    tokens_of,
)
from mutualaid.extensions import db
from mutualaid.i18n import _, _l
from mutualaid.models import ApiToken, utcnow
from mutualaid.web.account.blueprint import bp


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        validators=[Optional(), Length(max=80)],
        description=_l("So you can recognise it later, e.g. “hotline spreadsheet”."),
    )
    scope = RadioField(
        _l("What it may do"),
        choices=[
            SelectChoice(SCOPE_READ, _l("Read only (look things up)")),
            SelectChoice(SCOPE_WRITE, _l("Read and write (post, change, answer)")),
        ],
        default=SCOPE_READ,
    )
    submit = SubmitField(_l("Create token"))


class RevokeForm(FlaskForm):
    submit = SubmitField(_l("Revoke"))


def _page(form: TokenForm, secret: str | None = None, status: int = 200):
    html = render_template(
        "account/tokens.html",
        form=form,
        revoke_form=RevokeForm(),
        tokens=tokens_of(db.session, current_user),
        secret=secret,
        now=utcnow(),
    )
    response = make_response(html, status)
    response.headers["Cache-Control"] = "no-store"  # the secret must not sit in a cache
    return response


@bp.route("/tokens", methods=["GET", "POST"])
@login_required
def tokens():
    form = TokenForm()
    if form.validate_on_submit():
        try:
            _token, secret = create_token(
                db.session,
                current_user,
                form.name.data or "",
                scope=form.scope.data,
                days=current_app.config["MUTUALAID"].api_token_days,
            )
        except TokenError as exc:
            form.name.errors.append(str(exc.message))
        else:
            db.session.commit()
            return _page(TokenForm(formdata=None), secret=secret)
    return _page(form, status=400 if form.is_submitted() else 200)


@bp.route("/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.person_id != current_user.id:
        abort(404)
    if RevokeForm().validate_on_submit():
        revoke(db.session, token, actor=current_user)
        db.session.commit()
        flash(_("The token “%(name)s” is revoked.", name=token.name), "success")
    return redirect(url_for("account.tokens"), 303)
