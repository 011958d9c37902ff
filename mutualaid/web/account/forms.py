from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional


class ProfileForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired("Enter your name."), Length(max=120)])
    language = SelectField(
        "Language", choices=[SelectChoice("en", "English"), SelectChoice("es", "Español")]
    )
    phone = StringField(
        "Mobile phone",
        validators=[Optional(), Length(max=30)],
        description="Only you, your pods' platform relay and coordinators can see it.",
    )
    sms_preference = RadioField(
        "Text messages",
        choices=[
            SelectChoice("none", "No texts; I will check the website"),
            SelectChoice("notify", "Text me invitations and news about my pods"),
            SelectChoice("only", "I use text messages only"),
        ],
        default="none",
    )
    submit = SubmitField("Save profile")
