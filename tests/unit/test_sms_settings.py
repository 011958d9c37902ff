"""SMS transport settings: documented defaults, and bad values name the variable."""

import re
from pathlib import Path

import pytest

from mutualaid.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]
SMS_VARS = [
    "SMS_DAILY_CAP",
    "SMS_UNKNOWN_REPLY_CAP",
    "SMS_MAX_SEGMENTS",
    "SMS_RATE_PER_SECOND",
    "SMS_MAX_ATTEMPTS",
    "SMS_RETRY_BASE_SECONDS",
    "SMS_RETRY_MAX_SECONDS",
    "SMS_TIMEOUT_SECONDS",
    "SMS_LEASE_SECONDS",
]


def test_defaults():
    s = Settings.from_env({"MUTUALAID_ENV": "testing"})
    assert (s.sms_daily_cap, s.sms_unknown_reply_cap, s.sms_max_segments) == (20, 3, 4)
    assert s.sms_rate_per_second == 1.0 and s.sms_timeout_seconds == 10.0
    assert (s.sms_max_attempts, s.sms_retry_base_seconds, s.sms_retry_max_seconds) == (8, 30, 3600)
    assert s.sms_lease_seconds == 120


@pytest.mark.parametrize("name", SMS_VARS)
def test_bad_values_name_the_variable(name):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"MUTUALAID_ENV": "testing", name: "lots"})
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"MUTUALAID_ENV": "testing", name: "-5"})


@pytest.mark.parametrize("name", SMS_VARS)
def test_every_variable_is_documented(name):
    assert re.search(rf"^{name}=", (ROOT / "config/.env.example").read_text(), re.M)
    assert name in (ROOT / "README.md").read_text()
