"""Links inside emails: absolute URLs on ``PUBLIC_URL`` (the worker has no request), and
signed, expiring tokens for the links that act without a login (unsubscribe, answer an
invitation, "still need help?", "still available?").

A signed token names exactly one person and one object (an invitation, a pod, an offer) and
what it may do; it is checked again against the database when used, so a link cannot act on
anything else. Account links (verify, reset, change address) are random, single-use tokens
stored hashed (``mutualaid.email.account``), not these.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from mutualaid.settings import Settings

DEV_SITE = "http://localhost:5000"


def site_url() -> str:
    settings: Settings = current_app.config["MUTUALAID"]
    return settings.public_url or DEV_SITE


def absolute(path: str) -> str:
    """``/pods/3`` -> ``https://aid.example.org/pods/3``; an empty path stays empty."""
    if not path:
        return ""
    if path.startswith(("http://", "https://")):
        return path
    return site_url() + (path if path.startswith("/") else "/" + path)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=f"mutualaid-email-{purpose}")


def sign(purpose: str, payload: dict[str, Any]) -> str:
    return _serializer(purpose).dumps(payload)


def unsign(purpose: str, token: str, max_age_seconds: int | None) -> dict[str, Any] | None:
    """The payload, or None when the token is forged, for another purpose, or expired."""
    if not token or len(token) > 1000:
        return None
    try:
        data = _serializer(purpose).loads(token, max_age=max_age_seconds)
    except (BadSignature, SignatureExpired, UnicodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def unsubscribe_url(person_id: int, category: str) -> str:
    token = sign("unsubscribe", {"p": person_id, "c": category})
    return absolute(f"/email/unsubscribe/{token}")
