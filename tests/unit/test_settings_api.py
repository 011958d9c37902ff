"""API settings (issue 9): rate limit and its storage, validated at start-up."""

import pytest

from mutualaid.settings import Settings, SettingsError


def test_api_defaults():
    s = Settings.from_env({"MUTUALAID_ENV": "testing"})
    assert s.api_rate_limit == "120 per minute" and s.ratelimit_storage_url == "memory://"
    cfg = s.as_flask_config()
    assert cfg["API_RATE_LIMIT"] == "120 per minute"
    assert cfg["RATELIMIT_STORAGE_URI"] == "memory://"


def test_redis_storage_and_compound_limits_are_accepted():
    s = Settings.from_env(
        {
            "MUTUALAID_ENV": "testing",
            "API_RATE_LIMIT": "1000/hour;20/second",
            "RATELIMIT_STORAGE_URL": "redis://127.0.0.1:6379/1",
        }
    )
    s.validate()
    assert s.as_flask_config()["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/1"


def test_a_malformed_limit_names_the_variable():
    with pytest.raises(SettingsError, match="API_RATE_LIMIT"):
        Settings.from_env({"MUTUALAID_ENV": "testing", "API_RATE_LIMIT": "lots"})


def test_an_unknown_storage_names_the_variable():
    s = Settings.from_env({"MUTUALAID_ENV": "testing", "RATELIMIT_STORAGE_URL": "mongodb://x"})
    with pytest.raises(SettingsError, match="RATELIMIT_STORAGE_URL"):
        s.validate()
