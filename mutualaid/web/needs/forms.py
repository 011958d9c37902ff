from __future__ import annotations

from flask_babel import get_locale
from flask_wtf import FlaskForm
from wtforms import (
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from mutualaid import categories
from mutualaid.i18n import _l

URGENCY_CHOICES = [
    SelectChoice("now", _l("Right now")),
    SelectChoice("today", _l("Today")),
    SelectChoice("week", _l("This week")),
    SelectChoice("flexible", _l("I am flexible")),
]
CONTACT_CHOICES = [
    SelectChoice("web", _l("On this website")),
    SelectChoice("sms", _l("By text message")),
    SelectChoice("both", _l("Both")),
]
LOCATION_HINT = _l(
    "A street address, a ZIP code like 11211, or coordinates like 40.71,-73.96. Only the "
    "neighbors who come to help and coordinators see it; everyone else sees an area of "
    "about half a kilometre."
)


def category_choices(keep: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """Active categories in the reader's language, plus ``keep`` (a record's own, even if an
    admin deactivated it since)."""
    return categories.choices(str(get_locale() or "en"), keep=keep)


class NeedForm(FlaskForm):
    category = SelectField(
        _l("What do you need help with?"),
        validators=[DataRequired(_l("Choose a category."))],
    )
    urgency = RadioField(_l("How soon?"), choices=URGENCY_CHOICES, default="today")
    people_needed = IntegerField(
        _l("How many neighbors?"),
        validators=[
            Optional(),
            NumberRange(1, 15, _l("People needed must be between 1 and 15.")),
        ],
        description=_l("Leave empty for the usual number for this kind of help."),
    )
    details = TextAreaField(
        _l("Details"),
        validators=[Length(max=2000, message=_l("Keep the details under 2000 characters."))],
        description=_l("What would help? Please do not put your address here."),
    )
    location = StringField(
        _l("Where?"),
        validators=[
            DataRequired(_l("Enter an address, a ZIP code or coordinates.")),
            Length(max=300),
        ],
        description=LOCATION_HINT,
    )
    contact_preference = RadioField(
        _l("How should we reach you?"), choices=CONTACT_CHOICES, default="web"
    )
    submit = SubmitField(_l("Ask for help"))

    def __init__(self, *args, keep: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", _l("Choose…")), *category_choices(keep)]


class BoardFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET filter changes nothing

    category = SelectField(_l("Category"), validators=[Optional()])
    submit = SubmitField(_l("Show"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [("", _l("All categories")), *category_choices()]
