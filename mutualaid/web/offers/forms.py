from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from mutualaid.i18n import _l
from mutualaid.web.needs.forms import LOCATION_HINT, category_choices

DAY_CHOICES = [
    SelectChoice("0", _l("Monday")),
    SelectChoice("1", _l("Tuesday")),
    SelectChoice("2", _l("Wednesday")),
    SelectChoice("3", _l("Thursday")),
    SelectChoice("4", _l("Friday")),
    SelectChoice("5", _l("Saturday")),
    SelectChoice("6", _l("Sunday")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class OfferForm(FlaskForm):
    categories = MultiCheckboxField(
        _l("What can you help with?"),
        validators=[DataRequired(_l("Choose at least one thing you can help with."))],
    )
    radius_km = DecimalField(
        _l("How far can you go (km)?"),
        default=3,
        places=1,
        validators=[
            DataRequired(_l("Enter a distance in km, like 3.")),
            NumberRange(0.5, 50, _l("Travel distance must be between 0.5 and 50 km.")),
        ],
    )
    when = RadioField(
        _l("When can you help?"),
        choices=[
            SelectChoice("any", _l("Any time")),
            SelectChoice("times", _l("Only on these days and times")),
        ],
        default="any",
    )
    days = MultiCheckboxField(_l("Days"), choices=DAY_CHOICES, validators=[Optional()])
    start = StringField(_l("From (HH:MM)"), default="18:00", validators=[Optional(), Length(max=5)])
    end = StringField(_l("Until (HH:MM)"), default="21:00", validators=[Optional(), Length(max=5)])
    capacity = IntegerField(
        _l("How many requests at once?"),
        default=1,
        validators=[
            DataRequired(_l("Enter a number from 1 to 5.")),
            NumberRange(1, 5, _l("You can join between 1 and 5 pods at once.")),
        ],
    )
    location = StringField(
        _l("Where do you start from?"),
        validators=[
            DataRequired(_l("Enter an address, a ZIP code or coordinates.")),
            Length(max=300),
        ],
        description=LOCATION_HINT,
    )
    notes = TextAreaField(
        _l("Notes"),
        validators=[Length(max=2000, message=_l("Keep the notes under 2000 characters."))],
        description=_l("Anything useful: a car, languages you speak, things you cannot do."),
    )
    submit = SubmitField(_l("Offer help"))

    def __init__(self, *args, keep: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.categories.choices = category_choices(keep)

    def availability(self) -> dict:
        if self.when.data != "times":
            return {"any_time": True}
        return {
            "any_time": False,
            "windows": [
                {
                    "days": [int(d) for d in self.days.data or []],
                    "start": (self.start.data or "").strip(),
                    "end": (self.end.data or "").strip(),
                }
            ],
        }
