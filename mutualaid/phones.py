"""Phone numbers: parse what people type into E.164, and mask numbers for display."""

from __future__ import annotations

import phonenumbers

from mutualaid.i18n import _


class InvalidPhone(ValueError):
    """The text is not a phone number we can text."""


def normalise_phone(raw: str, default_country: str = "US") -> str:
    """Return the E.164 form of ``raw`` or raise InvalidPhone with a readable message."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhone(_("Enter a phone number."))
    try:
        parsed = phonenumbers.parse(text, default_country)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(_("That does not look like a phone number.")) from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhone(_("That phone number is not valid. Include the area code."))
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(e164: str | None) -> str:
    """'+17185550123' -> '+1 •••-•••-0123'; what coordinators' lists show."""
    if not e164:
        return ""
    return f"{e164[:2]} •••-•••-{e164[-4:]}"
