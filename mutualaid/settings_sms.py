"""SMS settings: the transport (Twilio), its limits, the abuse budgets and what texts say
in an emergency. ``mutualaid.settings.Settings`` inherits these fields, so every setting is
still read as ``settings.sms_daily_cap``; this module reads them from the environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mutualaid.settings_env import (
    INSTANCE_DIR,
    SettingsError,
    _choice,
    _csv_countries,
    _float,
    _int,
    _str,
)

_EMERGENCY_CHARS = set("0123456789+-() ")


@dataclass(frozen=True)
class SmsSettings:
    sms_backend: str = "console"
    twilio_account_sid: str = ""
    twilio_auth_token: str = ""
    twilio_from_number: str = ""
    twilio_messaging_service_sid: str = ""
    twilio_api_url: str = "https://api.twilio.com"
    # SMS transport (issue 6)
    sms_daily_cap: int = 20
    sms_unknown_reply_cap: int = 3
    sms_max_segments: int = 4
    sms_rate_per_second: float = 1.0
    sms_max_attempts: int = 8
    sms_retry_base_seconds: int = 30
    sms_retry_max_seconds: int = 3600
    sms_timeout_seconds: float = 10.0
    sms_lease_seconds: int = 120
    # Inbound texts that arrive while the database is down wait here (mutualaid.sms.spool).
    sms_spool_dir: str = str(INSTANCE_DIR / "sms-spool")
    # SMS abuse budgets (issue 16): countries texts may go to (default: DEFAULT_COUNTRY), all
    # texts per rolling 24 h (0 = no cap), invitations per requester per helper per 24 h.
    sms_allowed_countries: tuple[str, ...] = ("US",)
    sms_global_daily_cap: int = 5000
    sms_requester_invite_cap: int = 3
    # Issue 18: an unknown number whose text reads as a request for help is answered up to
    # this many times a day (instead of SMS_UNKNOWN_REPLY_CAP); replies to unknown numbers
    # sharing a prefix (country code + 6 digits) are capped per day (0 = no cap).
    sms_unknown_request_cap: int = 10
    sms_prefix_daily_cap: int = 60
    # The number an emergency text is told to call (issue 18).
    sms_emergency_number: str = "911"


def _emergency_number(env: Mapping[str, str]) -> str:
    value = _str(env, "SMS_EMERGENCY_NUMBER", "911")
    if len(value) > 20 or not set(value) <= _EMERGENCY_CHARS or not any(c.isdigit() for c in value):
        raise SettingsError(f"SMS_EMERGENCY_NUMBER must be a phone number like 911; got {value!r}")
    return value


def sms_from_env(env: Mapping[str, str]) -> SmsSettings:
    """The SMS settings read from ``env``."""
    return SmsSettings(
        sms_backend=_choice(env, "SMS_BACKEND", "console", ("console", "twilio")),
        twilio_account_sid=_str(env, "TWILIO_ACCOUNT_SID", ""),
        twilio_auth_token=_str(env, "TWILIO_AUTH_TOKEN", ""),
        twilio_from_number=_str(env, "TWILIO_FROM_NUMBER", ""),
        twilio_messaging_service_sid=_str(env, "TWILIO_MESSAGING_SERVICE_SID", ""),
        twilio_api_url=_str(env, "TWILIO_API_URL", "https://api.twilio.com").rstrip("/"),
        sms_daily_cap=_int(env, "SMS_DAILY_CAP", 20, 1, 10_000),
        sms_unknown_reply_cap=_int(env, "SMS_UNKNOWN_REPLY_CAP", 3, 0, 1000),
        sms_max_segments=_int(env, "SMS_MAX_SEGMENTS", 4, 1, 10),
        sms_rate_per_second=_float(env, "SMS_RATE_PER_SECOND", 1.0, 0.0, 1000.0),
        sms_max_attempts=_int(env, "SMS_MAX_ATTEMPTS", 8, 1, 50),
        sms_retry_base_seconds=_int(env, "SMS_RETRY_BASE_SECONDS", 30, 1, 3600),
        sms_retry_max_seconds=_int(env, "SMS_RETRY_MAX_SECONDS", 3600, 1, 86_400),
        sms_timeout_seconds=_float(env, "SMS_TIMEOUT_SECONDS", 10.0, 0.1, 60.0),
        sms_lease_seconds=_int(env, "SMS_LEASE_SECONDS", 120, 5, 3600),
        sms_spool_dir=_str(env, "SMS_SPOOL_DIR", str(INSTANCE_DIR / "sms-spool")),
        sms_allowed_countries=_csv_countries(
            env, "SMS_ALLOWED_COUNTRIES", _str(env, "DEFAULT_COUNTRY", "US")
        ),
        sms_global_daily_cap=_int(env, "SMS_GLOBAL_DAILY_CAP", 5000, 0, 10_000_000),
        sms_requester_invite_cap=_int(env, "SMS_REQUESTER_INVITE_CAP", 3, 0, 1000),
        sms_unknown_request_cap=_int(env, "SMS_UNKNOWN_REQUEST_CAP", 10, 0, 1000),
        sms_prefix_daily_cap=_int(env, "SMS_PREFIX_DAILY_CAP", 60, 0, 1_000_000),
        sms_emergency_number=_emergency_number(env),
    )
