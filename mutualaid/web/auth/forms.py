from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, EqualTo, Length, Optional

from mutualaid.i18n import _l
from mutualaid.passwords import MIN_PASSWORD_LENGTH


def new_password_field(label: object) -> PasswordField:
    """A new password (sign-up, change password): the same rules everywhere."""
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Choose a password.")),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=_l(
                    "Use at least %(n)s characters for your password.", n=MIN_PASSWORD_LENGTH
                ),
            ),
        ],
        description=_l("At least %(n)s characters.", n=MIN_PASSWORD_LENGTH),
    )


def password_again_field(label: object, first: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(_l("Type the password again.")),
            EqualTo(first, _l("The passwords do not match.")),
        ],
    )


class SignupForm(FlaskForm):
    name = StringField(
        _l("Your name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)]
    )
    email = EmailField(
        _l("Email"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(
                _l("Enter a valid email address, like name@example.org."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
    )
    phone = StringField(
        _l("Mobile phone (optional)"),
        validators=[Optional(), Length(max=30)],
        description=_l("For texts about your needs and pods. Never shown to other neighbors."),
    )
    password = new_password_field(_l("Password"))
    confirm = password_again_field(_l("Password again"), "password")
    submit = SubmitField(_l("Create account"))


class LoginForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(_l("Enter your email address."))])
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter your password."))])
    submit = SubmitField(_l("Log in"))


class ForgotForm(FlaskForm):
    """Forgot your password: the address to send a reset link to."""

    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter your email address.")), Length(max=254)],
    )
    submit = SubmitField(_l("Email me a link"))


class ResetForm(FlaskForm):
    """A new password, from a reset link."""

    new = new_password_field(_l("New password"))
    confirm = password_again_field(_l("New password again"), "new")
    submit = SubmitField(_l("Set my new password"))


class ConfirmForm(FlaskForm):
    """One button: a link's page changes nothing until it is pressed (mail scanners GET)."""

    submit = SubmitField(_l("Confirm"))
