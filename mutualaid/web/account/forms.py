from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, Email, Length, Optional

from mutualaid.i18n import _l
from mutualaid.web.auth.forms import new_password_field, password_again_field


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Your name"), validators=[DataRequired(_l("Enter your name.")), Length(max=120)]
    )
    language = SelectField(
        _l("Language"), choices=[SelectChoice("en", "English"), SelectChoice("es", "Español")]
    )
    phone = StringField(
        _l("Mobile phone"),
        validators=[Optional(), Length(max=30)],
        description=_l("Only you and coordinators see it; pods reach you through the platform."),
    )
    sms_preference = RadioField(
        _l("Text messages"),
        choices=[
            SelectChoice("none", _l("No texts; I will check the website")),
            SelectChoice("notify", _l("Text me invitations and news about my pods")),
            SelectChoice("only", _l("I use text messages only")),
        ],
        default="none",
    )
    submit = SubmitField(_l("Save profile"))


class PhoneSendForm(FlaskForm):
    """Step 1 of phone verification: the number to text a code to."""

    phone = StringField(
        _l("Mobile phone"),
        validators=[DataRequired(_l("Enter your mobile number.")), Length(max=30)],
        description=_l("We text a 6-digit code to it."),
    )
    send = SubmitField(_l("Text me a code"))


class PhoneCodeForm(FlaskForm):
    """Step 2: the code from the text."""

    code = StringField(
        _l("Code from the text"),
        validators=[DataRequired(_l("Enter the code from the text.")), Length(max=12)],
    )
    confirm = SubmitField(_l("Verify"))


class PasswordForm(FlaskForm):
    """Change the password: the current one, then the new one twice. Ends other sessions."""

    current = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your password."))]
    )
    new = new_password_field(_l("New password"))
    confirm = password_again_field(_l("New password again"), "new")
    change = SubmitField(_l("Change password"))


class EverywhereForm(FlaskForm):
    """Log out on every device (the button on the profile page)."""

    everywhere = SubmitField(_l("Log out everywhere"))


class EmailChangeForm(FlaskForm):
    """A new address (confirmed from that address before it takes effect)."""

    email = EmailField(
        _l("New email address"),
        validators=[
            DataRequired(_l("Enter your email address.")),
            Email(
                _l("Enter a valid email address, like name@example.org."),
                check_deliverability=False,
            ),
            Length(max=254),
        ],
    )
    password = PasswordField(
        _l("Current password"), validators=[DataRequired(_l("Enter your password."))]
    )
    change_email = SubmitField(_l("Send a confirmation link"))


class DeleteAccountForm(FlaskForm):
    """Delete my account: the password, as a last check."""

    password = PasswordField(_l("Current password"), validators=[Optional()])
    delete = SubmitField(_l("Delete my account"))


def _channel_field(label: object) -> RadioField:
    return RadioField(
        label,
        choices=[
            SelectChoice("both", _l("Text and email")),
            SelectChoice("email", _l("Email only")),
            SelectChoice("text", _l("Text only")),
            SelectChoice("none", _l("Neither (I will check the website)")),
        ],
        default="both",
    )


class NoticesForm(FlaskForm):
    """How each kind of notice reaches the person (issue 19)."""

    invitations = _channel_field(_l("Invitations to help"))
    group = _channel_field(_l("Group updates (someone joined, the group is complete, done)"))
    thread = _channel_field(_l("Group messages (by email: one digest at a time)"))
    checkins = _channel_field(_l("Check-ins (still need help? still available?)"))
    save_notices = SubmitField(_l("Save how we reach you"))
