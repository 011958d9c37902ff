"""Settings: read once from the environment into one typed, frozen object.

Every variable the app understands is listed here and in config/.env.example. A bad value
fails at start-up with the variable's name in the message; secrets have no default in
production.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from limits import parse_many

from mutualaid.settings_email import EmailSettings, email_from_env
from mutualaid.settings_env import INSTANCE_DIR as INSTANCE_DIR
from mutualaid.settings_env import PROJECT_ROOT as PROJECT_ROOT
from mutualaid.settings_env import SettingsError as SettingsError
from mutualaid.settings_env import _choice, _float, _int, _str
from mutualaid.settings_sms import SmsSettings, sms_from_env

DEFAULT_MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_MAP_TILE_ATTRIBUTION = "© OpenStreetMap contributors"


def map_tile_origin(url: str) -> str | None:
    """The CSP source for a tile URL template ("https://tile.openstreetmap.org"; a ``{s}``
    subdomain becomes ``*.``), or None when the template is not a usable tile URL."""
    parts = urlsplit(url.replace("{s}", "a"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    if not all(key in url for key in ("{z}", "{x}", "{y}")):
        return None
    host = urlsplit(url).netloc.split("@")[-1].replace("{s}", "*")
    if any(c in host for c in "{} ;,'\""):
        return None
    return f"{parts.scheme}://{host}"


KM_PER_MILE = 1.609344  # areas whose units are miles: distances are shown and typed in mi

DEFAULT_NEED_EXPIRY_HOURS = (("now", 12), ("today", 48), ("week", 240), ("flexible", 720))
GEOCODER_NAMES = ("latlng", "postal", "nominatim")


def _need_expiry(env: Mapping[str, str]) -> tuple[tuple[str, int], ...]:
    """NEED_EXPIRY_HOURS="now=12,today=48,week=240,flexible=720" (any subset overrides)."""
    raw = env.get("NEED_EXPIRY_HOURS", "").strip()
    hours = dict(DEFAULT_NEED_EXPIRY_HOURS)
    if not raw:
        return DEFAULT_NEED_EXPIRY_HOURS
    for part in raw.split(","):
        key, _, value = part.partition("=")
        key = key.strip().lower()
        if key not in hours or not value.strip().isdigit() or not 1 <= int(value) <= 8760:
            raise SettingsError(
                "NEED_EXPIRY_HOURS must look like now=12,today=48,week=240,flexible=720 "
                f"(hours from 1 to 8760); got {raw!r}"
            )
        hours[key] = int(value)
    return tuple((k, hours[k]) for k, _ in DEFAULT_NEED_EXPIRY_HOURS)


_SECRET_ENDINGS = ("secret", "secret_key", "_token", "password", "_api_key")


def mask_url(url: str) -> str:
    """``postgresql://user:pw@host/db`` -> ``postgresql://***@host/db``; the query string
    (which can carry a password) is dropped."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    return f"{scheme}://{netloc}{slash}{path.split('?', 1)[0]}"


def _rate_limit(env: Mapping[str, str]) -> str:
    """API_RATE_LIMIT, e.g. "120 per minute" or "1000/hour;20/second" (per API token)."""
    raw = _str(env, "API_RATE_LIMIT", "120 per minute")
    try:
        if not parse_many(raw):
            raise ValueError(raw)
    except ValueError:
        raise SettingsError(
            f"API_RATE_LIMIT must look like '120 per minute' or '1000/hour'; got {raw!r}"
        ) from None
    return raw


def _sqlite_default(name: str) -> str:
    return f"sqlite:///{INSTANCE_DIR / name}"


def normalise_database_url(url: str) -> str:
    """Accept the URLs hosting platforms hand out and point them at psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _development_secret() -> str:
    """One random key kept in instance/secret_key, so every local process (web, worker,
    several gunicorn workers) signs sessions alike and a restart keeps people logged in."""
    path = INSTANCE_DIR / "secret_key"
    try:
        return path.read_text().strip() or _write_secret(path)
    except FileNotFoundError:
        return _write_secret(path)


def _write_secret(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.write_text(value)
    path.chmod(0o600)
    return value


@dataclass(frozen=True)
class Settings(SmsSettings, EmailSettings):
    """Every setting; the SMS and email fields are inherited (settings_sms, settings_email)."""

    env: str = "development"
    database_url: str = field(default_factory=lambda: _sqlite_default("mutualaid.db"))
    secret_key: str = ""
    queue_url: str = field(default_factory=lambda: _sqlite_default("queue.db"))
    public_url: str = ""
    geocoder: str = "latlng,postal,nominatim"
    nominatim_url: str = "https://nominatim.openstreetmap.org"
    default_country: str = "US"
    geocoder_timeout: float = 5.0
    grid_cell_m: int = 500
    need_expiry_hours: tuple[tuple[str, int], ...] = DEFAULT_NEED_EXPIRY_HOURS
    need_posts_per_hour: int = 6  # per requester, web + API + texts (0 = no limit)
    offer_confirm_days: int = 30
    offer_expire_days: int = 14
    password_time_cost: int = 2
    password_memory_kib: int = 19456
    log_level: str = "INFO"
    proxy_hops: int = 0
    retention_days: int = 180
    api_rate_limit: str = "120 per minute"
    api_token_days: int = 90  # a new API token expires after this many days
    # Web sessions (issue 16): idle and absolute limits, checked on every request.
    session_idle_minutes: int = 120
    session_max_hours: int = 720
    ratelimit_storage_url: str = "memory://"
    # Coordinator map (issue 8): tiles come straight from this server to the browser.
    map_tile_url: str = DEFAULT_MAP_TILE_URL
    map_tile_attribution: str = DEFAULT_MAP_TILE_ATTRIBUTION

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        mode = _choice(
            env,
            "MUTUALAID_ENV",
            _str(env, "FLASK_ENV", "development"),
            ("development", "production", "testing"),
        )
        secret = env.get("SECRET_KEY", "").strip()
        if not secret:
            if mode == "production":
                raise SettingsError(
                    "SECRET_KEY is required when MUTUALAID_ENV=production: set it to a long "
                    "random string, e.g. python -c 'import secrets; print(secrets.token_hex(32))'"
                )
            secret = _development_secret() if mode == "development" else secrets.token_hex(32)
        elif mode == "production" and len(secret) < 16:
            raise SettingsError("SECRET_KEY must be at least 16 characters in production")
        return cls(
            **asdict(sms_from_env(env)),
            **email_from_env(env),
            env=mode,
            database_url=normalise_database_url(
                _str(env, "DATABASE_URL", _sqlite_default("mutualaid.db"))
            ),
            secret_key=secret,
            queue_url=_str(env, "QUEUE_URL", _sqlite_default("queue.db")),
            public_url=_str(env, "PUBLIC_URL", "").rstrip("/"),
            geocoder=_str(env, "GEOCODER", "latlng,postal,nominatim"),
            nominatim_url=_str(env, "NOMINATIM_URL", "https://nominatim.openstreetmap.org"),
            default_country=_str(env, "DEFAULT_COUNTRY", "US").upper(),
            geocoder_timeout=_float(env, "GEOCODER_TIMEOUT", 5.0, 0.5, 60.0),
            grid_cell_m=_int(env, "GRID_CELL_M", 500, 100, 5000),
            need_expiry_hours=_need_expiry(env),
            need_posts_per_hour=_int(env, "NEED_POSTS_PER_HOUR", 6, 0, 1000),
            offer_confirm_days=_int(env, "OFFER_CONFIRM_DAYS", 30, 1, 365),
            offer_expire_days=_int(env, "OFFER_EXPIRE_DAYS", 14, 1, 365),
            password_time_cost=_int(env, "PASSWORD_TIME_COST", 2, 1, 20),
            password_memory_kib=_int(env, "PASSWORD_MEMORY_KIB", 19456, 8, 4_194_304),
            proxy_hops=_int(env, "PROXY_HOPS", 0, 0, 5),
            retention_days=_int(env, "RETENTION_DAYS", 180, 0, 3650),
            api_rate_limit=_rate_limit(env),
            api_token_days=_int(env, "API_TOKEN_DAYS", 90, 1, 3650),
            session_idle_minutes=_int(env, "SESSION_IDLE_MINUTES", 120, 1, 43_200),
            session_max_hours=_int(env, "SESSION_MAX_HOURS", 720, 1, 8760),
            ratelimit_storage_url=_str(env, "RATELIMIT_STORAGE_URL", "memory://"),
            map_tile_url=_str(env, "MAP_TILE_URL", DEFAULT_MAP_TILE_URL),
            map_tile_attribution=_str(env, "MAP_TILE_ATTRIBUTION", DEFAULT_MAP_TILE_ATTRIBUTION),
            log_level=_choice(
                env, "LOG_LEVEL", "info", ("debug", "info", "warning", "error")
            ).upper(),
        )

    def validate(self) -> None:
        """Cross-field checks that need the whole picture."""
        if self.sms_backend == "twilio":
            missing = [
                name
                for name, value in (
                    ("TWILIO_ACCOUNT_SID", self.twilio_account_sid),
                    ("TWILIO_AUTH_TOKEN", self.twilio_auth_token),
                )
                if not value
            ]
            if not (self.twilio_from_number or self.twilio_messaging_service_sid):
                missing.append("TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
            if missing:
                raise SettingsError("SMS_BACKEND=twilio needs " + ", ".join(missing))
        self.validate_email()
        if not self.database_url.startswith(("sqlite", "postgresql")):
            raise SettingsError(
                "DATABASE_URL must be sqlite:///path or postgresql+psycopg://user@host/db"
            )
        if not self.queue_url.startswith(("sqlite://", "redis://", "rediss://", "memory://")):
            raise SettingsError("QUEUE_URL must start with sqlite://, redis:// or memory://")
        if not self.ratelimit_storage_url.startswith(("memory://", "redis://", "rediss://")):
            raise SettingsError(
                "RATELIMIT_STORAGE_URL must be memory:// or redis://host:port/db; "
                f"got {self.ratelimit_storage_url!r}"
            )
        if map_tile_origin(self.map_tile_url) is None:
            raise SettingsError(
                "MAP_TILE_URL must be an http(s) URL with {z}, {x} and {y}, e.g. "
                f"{DEFAULT_MAP_TILE_URL}; got {self.map_tile_url!r}"
            )
        chain = [g.strip() for g in self.geocoder.split(",") if g.strip()]
        if not chain or any(g not in GEOCODER_NAMES for g in chain):
            raise SettingsError(
                f"GEOCODER must be a comma-separated list of {', '.join(GEOCODER_NAMES)}; "
                f"got {self.geocoder!r}"
            )

    def as_flask_config(self) -> dict[str, object]:
        return {
            "MUTUALAID": self,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
            "TESTING": self.env == "testing",
            "SESSION_COOKIE_HTTPONLY": True,
            "SESSION_COOKIE_SAMESITE": "Lax",
            "SESSION_COOKIE_SECURE": self.is_production,
            "REMEMBER_COOKIE_HTTPONLY": True,
            "REMEMBER_COOKIE_SAMESITE": "Lax",
            "REMEMBER_COOKIE_SECURE": self.is_production,
            "WTF_CSRF_TIME_LIMIT": None,
            # Flask refuses session cookies signed longer ago than this (issue 16).
            "PERMANENT_SESSION_LIFETIME": timedelta(hours=self.session_max_hours),
            "API_RATE_LIMIT": self.api_rate_limit,
            "RATELIMIT_STORAGE_URI": self.ratelimit_storage_url,
            "RATELIMIT_HEADERS_ENABLED": True,
        }

    def public_dict(self) -> dict[str, object]:
        """Settings without secrets, for logs and the admin page: keys, tokens and
        passwords hidden, and URLs (database, queue, rate-limit storage) shown without their
        credentials, so a screenshot of the admin page leaks nothing."""
        out: dict[str, object] = {}
        for key, value in asdict(self).items():
            if value and key.endswith(_SECRET_ENDINGS):
                out[key] = "***"
            elif isinstance(value, str) and "://" in value:
                out[key] = mask_url(value)
            else:
                out[key] = value
        return out
