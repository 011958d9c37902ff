from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from mutualaid.i18n import _l


class SimulatedTextForm(FlaskForm):
    number = StringField(
        _l("Phone number"),
        validators=[DataRequired(_l("Enter the phone number to text from.")), Length(max=30)],
        description=_l("The simulated phone texts from this number."),
    )
    body = TextAreaField(
        _l("Text message"),
        validators=[DataRequired(_l("Write a text first.")), Length(max=1600)],
    )
    send = SubmitField(_l("Send text"))
