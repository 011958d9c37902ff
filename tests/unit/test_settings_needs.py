"""Settings added for needs, offers and geocoding: defaults and clear errors."""

import pytest

from mutualaid.settings import Settings, SettingsError


def _env(**kw):
    return {"MUTUALAID_ENV": "testing", **kw}


def test_defaults():
    s = Settings.from_env(_env())
    assert s.grid_cell_m == 500 and s.geocoder_timeout == 5.0
    assert dict(s.need_expiry_hours) == {"now": 12, "today": 48, "week": 240, "flexible": 720}
    assert (s.offer_confirm_days, s.offer_expire_days) == (30, 14)


def test_need_expiry_hours_can_override_some_urgencies():
    s = Settings.from_env(_env(NEED_EXPIRY_HOURS="now=2, week=100"))
    assert dict(s.need_expiry_hours) == {"now": 2, "today": 48, "week": 100, "flexible": 720}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("GRID_CELL_M", "10"),
        ("GRID_CELL_M", "half a km"),
        ("GEOCODER_TIMEOUT", "0"),
        ("NEED_EXPIRY_HOURS", "soon=3"),
        ("NEED_EXPIRY_HOURS", "now=-1"),
        ("OFFER_CONFIRM_DAYS", "0"),
        ("OFFER_EXPIRE_DAYS", "x"),
    ],
)
def test_bad_values_name_the_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(_env(**{name: value}))


def test_an_unknown_geocoder_is_refused_at_start_up():
    settings = Settings.from_env(_env(GEOCODER="latlng,google"))
    with pytest.raises(SettingsError, match="GEOCODER"):
        settings.validate()
