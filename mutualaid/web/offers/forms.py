from __future__ import annotations

import math
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    Field,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from mutualaid.i18n import _, _l, in_units, to_km
from mutualaid.offers import MAX_RADIUS_KM, MIN_RADIUS_KM
from mutualaid.settings import KM_PER_MILE
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
    # Typed and shown in the person's area's units (``units``: "km" or "mi"); stored in km.
    radius_km = DecimalField(
        _l("How far can you go (km)?"),
        default=3,
        places=1,
        validators=[DataRequired(_l("Enter a distance in km, like 3."))],
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

    def __init__(self, *args, keep: tuple[str, ...] = (), units: str = "km", **kwargs):
        super().__init__(*args, **kwargs)
        self.categories.choices = category_choices(keep)
        self.units = units
        if units == "mi":
            self.radius_km.label.text = _l("How far can you go (miles)?")
            self.radius_km.validators = [DataRequired(_l("Enter a distance in miles, like 2."))]

    def radius_in_km(self) -> float:
        """The travel distance as stored: km, converted from miles in a miles area."""
        return to_km(float(self.radius_km.data), self.units)

    def show_radius(self, km: float) -> None:
        """Fill the travel distance from a stored offer, in the units shown."""
        self.radius_km.data = Decimal(str(in_units(km, self.units)))

    def validate_radius_km(self, field: Field) -> None:
        """The limits hold in km, after conversion; the message names them as shown."""
        if MIN_RADIUS_KM <= self.radius_in_km() <= MAX_RADIUS_KM:
            return
        if self.units != "mi":
            raise ValidationError(_("Travel distance must be between 0.5 and 50 km."))
        low = math.ceil(MIN_RADIUS_KM / KM_PER_MILE * 10) / 10  # limits that hold once
        high = math.floor(MAX_RADIUS_KM / KM_PER_MILE * 10) / 10  # converted back to km
        raise ValidationError(
            _("Travel distance must be between %(low)s and %(high)s miles.", low=low, high=high)
        )

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
