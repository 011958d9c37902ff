"""Bearer-token authentication and per-token rate limits for the API.

The token is looked up once per request (cached in the WSGI environ, which belongs to
exactly one request) by the rate limiter's key function, which runs first: a valid token
is limited per token, anything else per client address, so guessing tokens is throttled
too. Browser sessions (cookies) are ignored on the API: no cookie, no CSRF exposure.
"""

from __future__ import annotations

from flask import current_app, request
from flask_limiter import Limiter

from mutualaid import api_tokens
from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.models import ApiToken, Person
from mutualaid.web.api.blueprint import bp
from mutualaid.web.api.problems import ApiProblem

_ENVIRON_KEY = "mutualaid.api_token"
REALM = 'Bearer realm="mutualaid"'
DEFAULT_LIMIT = "120 per minute"


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def current_token() -> ApiToken | None:
    """The request's valid token (looked up once per request)."""
    if _ENVIRON_KEY not in request.environ:
        secret = bearer_secret()
        token = api_tokens.find_active(db.session, secret) if secret else None
        request.environ[_ENVIRON_KEY] = token.id if token else None
    token_id = request.environ[_ENVIRON_KEY]
    return db.session.get(ApiToken, token_id) if token_id else None


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def require_person() -> Person:
    """The caller, or a 401 problem with a WWW-Authenticate challenge (no token, an unknown,
    revoked or expired one), or a 403 when a read-only token asks to change something."""
    token = current_token()
    if token is None:
        challenge = REALM
        if bearer_secret():
            challenge += ', error="invalid_token"'
        raise ApiProblem(401, "unauthorized", headers={"WWW-Authenticate": challenge})
    if token.scope != api_tokens.SCOPE_WRITE and request.method not in READ_METHODS:
        raise ApiProblem(
            403,
            "forbidden",
            _("This token may only read. Create a read-and-write token to make changes."),
            headers={"WWW-Authenticate": REALM + ', error="insufficient_scope", scope="write"'},
        )
    if api_tokens.record_use(db.session, token):
        db.session.commit()
    return token.person


def rate_limit_key() -> str:
    token = current_token() if request.path.startswith("/api/") else None
    if token is not None:
        return f"api-token:{token.id}"
    return f"api-addr:{request.remote_addr or 'unknown'}"


def rate_limit_value() -> str:
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_LIMIT


def make_limiter(app) -> Limiter:
    """One limiter per app (storage from RATELIMIT_STORAGE_URI), limiting the API only."""
    limiter = Limiter(
        key_func=rate_limit_key,
        app=app,
        default_limits=[],
        headers_enabled=True,
        key_prefix="mutualaid-api",
        # Redis down: count in this process's memory instead of failing API requests.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    limiter.limit(rate_limit_value)(bp)
    app.extensions["api_limiter"] = limiter
    return limiter
