"""Reading settings from the environment: typed readers that name the variable when a value
is bad. Below ``mutualaid.settings`` and ``mutualaid.settings_sms`` (which both use them)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


class SettingsError(RuntimeError):
    """A configuration value is missing or malformed; the message names the variable."""


def _str(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name, "").strip()
    return value or default


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise SettingsError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise SettingsError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _choice(env: Mapping[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    value = _str(env, name, default).lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _csv_countries(env: Mapping[str, str], name: str, default: str) -> tuple[str, ...]:
    """SMS_ALLOWED_COUNTRIES="US,CA": ISO country codes, upper-cased; "*" allows every
    country. Empty: ``default`` (DEFAULT_COUNTRY)."""
    raw = env.get(name, "").strip() or default
    codes = tuple(dict.fromkeys(part.strip().upper() for part in raw.split(",") if part.strip()))
    if codes == ("*",):
        return codes
    if not codes or not all(len(c) == 2 and c.isascii() and c.isalpha() for c in codes):
        raise SettingsError(
            f"{name} must be comma-separated two-letter country codes like US,CA (or *); "
            f"got {raw!r}"
        )
    return codes
