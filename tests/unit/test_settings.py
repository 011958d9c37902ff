import pytest

from mutualaid.settings import Settings, SettingsError


def test_production_without_secret_key_refuses_to_start():
    with pytest.raises(SettingsError, match="SECRET_KEY is required"):
        Settings.from_env({"MUTUALAID_ENV": "production"})


def test_flask_env_production_is_also_production():
    with pytest.raises(SettingsError, match="SECRET_KEY"):
        Settings.from_env({"FLASK_ENV": "production"})


def test_production_cookies_are_secure():
    s = Settings.from_env({"MUTUALAID_ENV": "production", "SECRET_KEY": "x" * 40})
    cfg = s.as_flask_config()
    assert cfg["SESSION_COOKIE_SECURE"] is True
    assert cfg["SESSION_COOKIE_HTTPONLY"] is True
    assert cfg["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_defaults_match_the_documented_contract():
    s = Settings.from_env({"MUTUALAID_ENV": "testing"})
    assert s.database_url.startswith("sqlite:///") and s.database_url.endswith("mutualaid.db")
    assert s.queue_url.endswith("queue.db")
    assert s.sms_backend == "console"
    assert s.geocoder == "latlng,postal,nominatim"
    assert s.twilio_api_url == "https://api.twilio.com"
    assert s.default_country == "US"
    assert len(s.secret_key) >= 32


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SMS_BACKEND": "carrier-pigeon"}, "SMS_BACKEND must be one of"),
        ({"PASSWORD_TIME_COST": "fast"}, "PASSWORD_TIME_COST must be a whole number"),
        ({"PASSWORD_TIME_COST": "0"}, "PASSWORD_TIME_COST must be between"),
        ({"MUTUALAID_ENV": "staging"}, "MUTUALAID_ENV must be one of"),
    ],
)
def test_bad_values_name_the_variable(env, message):
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"MUTUALAID_ENV": "testing", **env})


def test_twilio_backend_needs_credentials():
    s = Settings.from_env({"MUTUALAID_ENV": "testing", "SMS_BACKEND": "twilio"})
    with pytest.raises(SettingsError, match="TWILIO_ACCOUNT_SID"):
        s.validate()


def test_heroku_style_postgres_urls_use_psycopg3():
    s = Settings.from_env({"MUTUALAID_ENV": "testing", "DATABASE_URL": "postgres://u@h/db"})
    assert s.database_url == "postgresql+psycopg://u@h/db"


def test_public_dict_hides_secrets():
    s = Settings.from_env(
        {"MUTUALAID_ENV": "testing", "SECRET_KEY": "s3cret" * 5, "TWILIO_AUTH_TOKEN": "tok"}
    )
    shown = s.public_dict()
    assert shown["secret_key"] == "***" and shown["twilio_auth_token"] == "***"
    assert "s3cret" not in repr(shown)
