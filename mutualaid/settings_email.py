"""The email settings (issue 19): backend, SMTP server, sender, retries, digests and the
limits on account emails. Part of ``Settings`` (mutualaid.settings), which inherits these
fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlsplit

from mutualaid.settings_env import SettingsError, _choice, _float, _int, _str

DEFAULT_EMAIL_FROM = "mutualaid <noreply@localhost>"


def _smtp_url(env: Mapping[str, str]) -> str:
    raw = _str(env, "SMTP_URL", "")
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SettingsError(
            "SMTP_URL must look like smtp://user:pass@host:587 (STARTTLS) or "
            "smtps://user:pass@host:465 (implicit TLS)"
        )
    try:
        parts.port  # noqa: B018  (raises ValueError on a bad port)
    except ValueError:
        raise SettingsError("SMTP_URL has a port that is not a number") from None
    return raw


def _email_from(env: Mapping[str, str]) -> str:
    raw = _str(env, "EMAIL_FROM", DEFAULT_EMAIL_FROM)
    name, address = parseaddr(raw)
    if "@" not in address or any(c in raw for c in "\r\n"):
        raise SettingsError(
            f"EMAIL_FROM must look like 'mutualaid <help@example.org>'; got {raw!r}"
        )
    try:
        Address(display_name=name, addr_spec=address)
    except (ValueError, IndexError):
        raise SettingsError(f"EMAIL_FROM is not a valid address: {raw!r}") from None
    return raw


@dataclass(frozen=True)
class EmailSettings:
    email_backend: str = "console"
    smtp_url: str = ""  # smtp://user:pass@host:587 (STARTTLS) or smtps://... (implicit TLS)
    email_from: str = DEFAULT_EMAIL_FROM
    email_timeout_seconds: float = 10.0
    email_max_attempts: int = 8
    email_retry_base_seconds: int = 30
    email_retry_max_seconds: int = 3600
    email_lease_seconds: int = 120
    email_connections: int = 4  # SMTP connections the worker uses at once per batch
    email_digest_minutes: int = 60  # at most one thread digest per group per this interval
    # Account emails (verify, reset): how many one address may be sent per hour, and how many
    # reset requests one client (IP) may make per hour.
    email_account_per_hour: int = 3
    email_reset_per_ip_hour: int = 10

    def validate_email(self) -> None:
        if self.email_backend == "smtp" and not self.smtp_url:
            raise SettingsError("EMAIL_BACKEND=smtp needs SMTP_URL (smtp://user:pass@host:587)")


def email_from_env(env: Mapping[str, str]) -> dict[str, Any]:
    """The email fields of ``Settings``, read from ``env``."""
    return {
        "email_backend": _choice(env, "EMAIL_BACKEND", "console", ("console", "smtp")),
        "smtp_url": _smtp_url(env),
        "email_from": _email_from(env),
        "email_timeout_seconds": _float(env, "EMAIL_TIMEOUT_SECONDS", 10.0, 0.1, 120.0),
        "email_max_attempts": _int(env, "EMAIL_MAX_ATTEMPTS", 8, 1, 50),
        "email_retry_base_seconds": _int(env, "EMAIL_RETRY_BASE_SECONDS", 30, 1, 3600),
        "email_retry_max_seconds": _int(env, "EMAIL_RETRY_MAX_SECONDS", 3600, 1, 86_400),
        "email_lease_seconds": _int(env, "EMAIL_LEASE_SECONDS", 120, 5, 3600),
        "email_connections": _int(env, "EMAIL_CONNECTIONS", 4, 1, 32),
        "email_digest_minutes": _int(env, "EMAIL_DIGEST_MINUTES", 60, 1, 10_080),
        "email_account_per_hour": _int(env, "EMAIL_ACCOUNT_PER_HOUR", 3, 1, 100),
        "email_reset_per_ip_hour": _int(env, "EMAIL_RESET_PER_IP_HOUR", 10, 1, 10_000),
    }
