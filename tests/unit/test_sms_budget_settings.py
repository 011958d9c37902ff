"""SMS abuse budget settings (issue 16): documented defaults, parsing, and bad values name the
variable; sender and country rules of phones.py."""

import pytest

from mutualaid.phones import country_of, is_valid_e164, sender_e164
from mutualaid.settings import Settings, SettingsError


def _settings(**env: str) -> Settings:
    return Settings.from_env({"MUTUALAID_ENV": "testing", **env})


def test_defaults():
    s = _settings()
    assert s.sms_allowed_countries == ("US",)
    assert (s.sms_global_daily_cap, s.sms_requester_invite_cap) == (5000, 3)


def test_allowed_countries_default_to_the_default_country():
    assert _settings(DEFAULT_COUNTRY="es").sms_allowed_countries == ("ES",)
    s = _settings(DEFAULT_COUNTRY="ES", SMS_ALLOWED_COUNTRIES=" us, ca ,US")
    assert s.sms_allowed_countries == ("US", "CA")
    assert _settings(SMS_ALLOWED_COUNTRIES="*").sms_allowed_countries == ("*",)


@pytest.mark.parametrize("value", ["USA", "U1", "US;CA", "*,US", ","])
def test_bad_countries_name_the_variable(value):
    with pytest.raises(SettingsError, match="SMS_ALLOWED_COUNTRIES"):
        _settings(SMS_ALLOWED_COUNTRIES=value)


@pytest.mark.parametrize("name", ["SMS_GLOBAL_DAILY_CAP", "SMS_REQUESTER_INVITE_CAP"])
def test_caps_accept_zero_and_reject_bad_values(name):
    assert getattr(_settings(**{name: "0"}), name.lower()) == 0
    for bad in ("lots", "-1"):
        with pytest.raises(SettingsError, match=name):
            _settings(**{name: bad})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("+12125550123", "+12125550123"),
        (" (212) 555-0123 ", "+12125550123"),
        ("12345", None),  # short code
        ("ACME-BANK", None),  # alphanumeric
        ("212PUMPING", None),  # letters are not keypad digits
        ("1800FLOWERS", None),
        ("+15550109999", None),  # not a valid number
        ("", None),
    ],
)
def test_sender_e164(raw, expected):
    assert sender_e164(raw, "US") == expected


def test_country_of_and_validity():
    assert country_of("+12125550123") == "US" and is_valid_e164("+12125550123")
    assert country_of("+447400123456") == "GB" and is_valid_e164("+447400123456")
    assert country_of("+18765550100") == "JM"  # Jamaica is not the US
    assert country_of("+15550109999") == "US" and not is_valid_e164("+15550109999")
    assert country_of("12345") is None and not is_valid_e164("12345")
    assert country_of("ACME-BANK") is None and not is_valid_e164("ACME-BANK")
