"""API tokens: create (the secret is shown once), look up by secret, record use, revoke.

Only ``sha256(secret)`` is stored. The secret is 32 random bytes (256 bits) from
``secrets``, so a fast unsalted hash is enough: nobody can guess or brute-force the
pre-image, and an indexed lookup by hash keeps every API request
cheap (a password hash such as argon2 would cost tens of milliseconds per request).
Plain functions: they flush, never commit.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.i18n import _l
from mutualaid.models import ApiToken, Person
from mutualaid.models.base import utcnow

TOKEN_PREFIX = "ma_"  # noqa: S105 (a label, not a secret)
PREFIX_SHOWN = 10  # "ma_" plus 7 characters: enough to tell tokens apart, useless to guess
MAX_NAME = 80
MAX_TOKEN_LENGTH = 200
# last_used_at is written at most this often per token (not a write on every request).
USE_RESOLUTION = timedelta(minutes=1)
SCOPE_READ, SCOPE_WRITE = "read", "write"
SCOPES = (SCOPE_READ, SCOPE_WRITE)  # read: GET only; write: whatever the owner may do
DEFAULT_DAYS = 90  # API_TOKEN_DAYS


class TokenError(ValueError):
    def __init__(self, message: object, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(
    session: Session,
    person: Person,
    name: str = "",
    *,
    scope: str = SCOPE_WRITE,
    days: int = DEFAULT_DAYS,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for ``person``, valid ``days`` days; returns the row and the secret
    (never stored)."""
    if scope not in SCOPES:
        raise TokenError(_l("Choose read or write."), "scope")
    now = now or utcnow()
    name = (name or "").strip()
    if len(name) > MAX_NAME:
        raise TokenError(_l("Keep the token name under 80 characters."), "name")
    if any(ord(c) < 32 for c in name):
        raise TokenError(_l("The token name cannot contain control characters."), "name")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        person_id=person.id,
        name=name or "API token",
        token_hash=hash_secret(secret),
        prefix=secret[:PREFIX_SHOWN],
        created_at=now,
        expires_at=now + timedelta(days=days),
        scope=scope,
    )
    session.add(token)
    session.flush()
    record_audit(session, person, "api_token.created", token, {"name": token.name, "scope": scope})
    return token, secret


def find_active(session: Session, secret: str) -> ApiToken | None:
    """The live (not revoked, not expired) token for ``secret`` whose owner may still use
    the site, or None."""
    if not secret or len(secret) > MAX_TOKEN_LENGTH:
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or token.is_expired():
        return None
    if token.person is None or not token.person.is_active:  # suspended people are locked out
        return None
    return token


def record_use(session: Session, token: ApiToken, now: datetime | None = None) -> bool:
    """Move ``last_used_at`` (at most once per USE_RESOLUTION). True when it changed."""
    now = now or utcnow()
    if token.last_used_at is not None and now - token.last_used_at < USE_RESOLUTION:
        return False
    token.last_used_at = now
    session.flush()
    return True


def revoke(
    session: Session, token: ApiToken, now: datetime | None = None, actor: Person | None = None
) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = now or utcnow()
        session.flush()
        record_audit(session, actor or token.person, "api_token.revoked", token)
    return token


def tokens_of(session: Session, person: Person) -> list[ApiToken]:
    return list(
        session.scalars(
            select(ApiToken)
            .where(ApiToken.person_id == person.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )
