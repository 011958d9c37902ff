from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from mutualaid.i18n import _l


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
