"""Phone numbers: parse what people type into E.164, and mask numbers for display."""

from __future__ import annotations

import re

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


# SMS senders (issue 16, SMS pumping): only a string of digits (with an optional leading "+"
# and the usual separators) is a phone number. Letters are never read as keypad digits, so
# an alphanumeric sender ("212PUMPING", "1800FLOWERS") does not become someone's number.
_PHONE_CHARS = re.compile(r"^\+?[\d\s().-]+$")


def sender_e164(raw: str, default_country: str = "US") -> str | None:
    """The E.164 form of an SMS sender when it is a valid phone number; None for short codes
    ("12345"), alphanumeric senders ("ACME-BANK") and anything else that is not one."""
    text = (raw or "").strip()
    if not _PHONE_CHARS.match(text):
        return None
    try:
        return normalise_phone(text, default_country)
    except InvalidPhone:
        return None


def is_valid_e164(number: str | None) -> bool:
    """True for a valid phone number written in E.164 ("+12125550123")."""
    if not number or not number.startswith("+") or not _PHONE_CHARS.match(number):
        return False
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(number, None))
    except phonenumbers.NumberParseException:
        return False


def country_of(number: str | None) -> str | None:
    """The ISO country ("US", "GB") of an E.164 number: the number's own country when it is
    valid, else the main country of its calling code ("+1555..." -> "US"); None when it
    does not parse. Crown dependencies and the Caribbean have their own codes ("+44 7911"
    may be "GG", "+1 876" is "JM")."""
    if not number or not number.startswith("+"):
        return None
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    if region and region != phonenumbers.UNKNOWN_REGION:
        return str(region)
    main = phonenumbers.region_code_for_country_code(parsed.country_code or 0)
    return None if main == phonenumbers.UNKNOWN_REGION else str(main)
