"""Account emails (issue 19): verify an address, reset a forgotten password, change the
address. Plain functions on a session: they flush and never commit.

Each link carries a random single-use token; only its SHA-256 is stored. A token dies when
it is used, when it expires (reset: 1 hour), when a newer one of the same kind is sent, and
(reset) when the password changes. At most ``EMAIL_ACCOUNT_PER_HOUR`` such emails go to one
address an hour; callers answer the same whether or not one was sent, so nothing here tells
who has an account.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from mutualaid.accounts import AccountError, end_all_sessions, find_by_email, normalise_email
from mutualaid.audit import record_audit
from mutualaid.email.compose import BadAddress, address
from mutualaid.email.links import absolute
from mutualaid.email.outbox import ACCOUNT_PRIORITY, queue_email
from mutualaid.email.render import Action, Draft
from mutualaid.i18n import _, in_language
from mutualaid.models import AccountToken, Person, utcnow
from mutualaid.models.email import PURPOSE_EMAIL_CHANGE, PURPOSE_RESET, PURPOSE_VERIFY
from mutualaid.passwords import MIN_PASSWORD_LENGTH, Passwords
from mutualaid.settings import Settings

RESET_TTL = timedelta(hours=1)
VERIFY_TTL = timedelta(days=3)
EMAIL_CHANGE_TTL = timedelta(hours=24)
TOKEN_MAX_LENGTH = 100

KIND_VERIFY = "verify_email"
KIND_RESET = "reset_password"
KIND_EMAIL_CHANGE = "email_change"
KIND_EMAIL_CHANGED = "email_changed"


def _settings() -> Settings:
    settings: Settings = current_app.config["MUTUALAID"]
    return settings


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()


def _void(session: Session, person: Person, purpose: str, now: datetime) -> None:
    session.execute(
        update(AccountToken)
        .where(
            AccountToken.person_id == person.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )


def _sent_last_hour(session: Session, person: Person, now: datetime) -> int:
    return int(
        session.scalar(
            select(func.count(AccountToken.id)).where(
                AccountToken.person_id == person.id,
                AccountToken.created_at > now - timedelta(hours=1),
            )
        )
        or 0
    )


def _issue(
    session: Session, person: Person, purpose: str, email: str, ttl: timedelta, now: datetime
) -> str | None:
    """A new token (older ones of this kind die), or None over the hourly limit."""
    if _sent_last_hour(session, person, now) >= _settings().email_account_per_hour:
        return None
    _void(session, person, purpose, now)
    raw = secrets.token_urlsafe(32)
    session.add(
        AccountToken(
            person_id=person.id,
            purpose=purpose,
            token_hash=_hash(raw),
            email=email,
            created_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return raw


def find_token(
    session: Session, raw: str, purpose: str, now: datetime | None = None
) -> AccountToken | None:
    """The live token behind ``raw``, or None (unknown, used, expired, other purpose)."""
    if not raw or len(raw) > TOKEN_MAX_LENGTH:
        return None
    token = session.scalar(select(AccountToken).where(AccountToken.token_hash == _hash(raw)))
    if token is None or token.purpose != purpose or token.used_at is not None:
        return None
    if token.expires_at <= (now or utcnow()):
        return None
    person = session.get(Person, token.person_id)
    if person is None or person.deleted_at is not None:
        return None
    return token


def _send(session: Session, person: Person, to: Person | str, kind: str, draft: Draft) -> None:
    email = draft.render(person.first_name)
    queue_email(
        session, to, email.subject, email.text, email.html, kind=kind, priority=ACCOUNT_PRIORITY
    )


# --- verify an address -------------------------------------------------------------------


def send_verification(session: Session, person: Person, *, now: datetime | None = None) -> bool:
    """Email a verification link (sign-up, "resend"). False when the address is verified
    already, the account has no address, or the hourly limit is reached."""
    now = now or utcnow()
    if not person.email or person.email_verified_at is not None or person.deleted_at:
        return False
    raw = _issue(session, person, PURPOSE_VERIFY, person.email, VERIFY_TTL, now)
    if raw is None:
        return False
    with in_language(person.language):
        _send(
            session, person, person, KIND_VERIFY,
            Draft(
                _("Confirm your email address"),
                [
                    _("Please confirm that this is your email address. Until you do, we send "
                      "you nothing but this link."),
                    _("The link works for 3 days. If you did not sign up, ignore this email."),
                ],
                [Action(_("Confirm my address"), absolute(f"/auth/verify/{raw}"))],
            ),
        )  # fmt: skip
    return True


def confirm_verification(session: Session, raw: str, now: datetime | None = None) -> Person | None:
    now = now or utcnow()
    token = find_token(session, raw, PURPOSE_VERIFY, now)
    if token is None:
        return None
    person = session.get(Person, token.person_id)
    assert person is not None
    if normalise_email(person.email or "") != token.email:  # the address changed since
        return None
    token.used_at = now
    person.email_verified_at = now
    session.flush()
    return person


# --- forgotten password ------------------------------------------------------------------


def send_reset(session: Session, email: str, *, now: datetime | None = None) -> None:
    """Email a reset link if ``email`` belongs to an account (silently nothing otherwise, or
    over the hourly limit: the caller answers the same either way)."""
    now = now or utcnow()
    person = find_by_email(session, email) if email else None
    if person is None or person.deleted_at is not None or not person.email:
        return
    raw = _issue(session, person, PURPOSE_RESET, person.email, RESET_TTL, now)
    if raw is None:
        return
    with in_language(person.language):
        _send(
            session, person, person, KIND_RESET,
            Draft(
                _("Reset your password"),
                [
                    _("Someone (we hope you) asked to reset the password of your mutualaid "
                      "account. The link works once, for 1 hour."),
                    _("If it was not you, ignore this email: your password stays the same."),
                ],
                [Action(_("Choose a new password"), absolute(f"/auth/reset/{raw}"))],
            ),
        )  # fmt: skip


def reset_password(
    session: Session, passwords: Passwords, raw: str, new: str, now: datetime | None = None
) -> Person | None:
    """Set a new password with a reset link. Every session of the person ends; the link and
    any other reset link die. None when the link is not (or no longer) valid."""
    now = now or utcnow()
    if len(new or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("Use at least %(n)s characters for your password.", n=MIN_PASSWORD_LENGTH), "new"
        )
    token = find_token(session, raw, PURPOSE_RESET, now)
    if token is None:
        return None
    person = session.get(Person, token.person_id)
    assert person is not None
    _void(session, person, PURPOSE_RESET, now)
    person.password_hash = passwords.hash(new)
    if normalise_email(person.email or "") == token.email:
        person.email_verified_at = person.email_verified_at or now  # they read the inbox
    end_all_sessions(session, person)
    record_audit(session, person, "person.password_reset", person)
    session.flush()
    return person


# --- change the address ------------------------------------------------------------------


def request_email_change(
    session: Session,
    passwords: Passwords,
    person: Person,
    current_password: str,
    new_email: str,
    *,
    now: datetime | None = None,
) -> None:
    """Send a confirmation link to the new address; the address changes only when it is
    followed. The same answer whether or not the new address is taken (nothing is sent then)."""
    now = now or utcnow()
    if not passwords.verify(person.password_hash, current_password or ""):
        raise AccountError(_("That is not your current password."), "password")
    new = normalise_email(new_email)
    try:
        address(new)
    except BadAddress:
        raise AccountError(
            _("Enter a valid email address, like name@example.org."), "email"
        ) from None
    if new == normalise_email(person.email or ""):
        raise AccountError(_("That is already your address."), "email")
    if find_by_email(session, new) is not None:
        return
    raw = _issue(session, person, PURPOSE_EMAIL_CHANGE, new, EMAIL_CHANGE_TTL, now)
    if raw is None:
        return
    with in_language(person.language):
        _send(
            session, person, new, KIND_EMAIL_CHANGE,
            Draft(
                _("Confirm your new email address"),
                [
                    _("You asked to use this address for your mutualaid account. It takes "
                      "effect when you confirm it; the link works for 24 hours."),
                    _("If you did not ask for this, ignore this email."),
                ],
                [Action(_("Use this address"), absolute(f"/auth/email-change/{raw}"))],
            ),
        )  # fmt: skip


def mask_email(email: str) -> str:
    """``ben.okoro@example.org`` -> ``b***@example.org``."""
    local, _at, domain = (email or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def confirm_email_change(session: Session, raw: str, now: datetime | None = None) -> Person | None:
    """Follow a confirmation link: the new address replaces the old, verified; the old
    address is told. None when the link is not valid or the address was taken meanwhile."""
    now = now or utcnow()
    token = find_token(session, raw, PURPOSE_EMAIL_CHANGE, now)
    if token is None:
        return None
    person = session.get(Person, token.person_id)
    assert person is not None
    token.used_at = now
    other = find_by_email(session, token.email)
    if other is not None and other.id != person.id:
        session.flush()
        return None
    old = person.email or ""
    person.email = token.email
    person.email_verified_at = now
    _void(session, person, PURPOSE_VERIFY, now)
    record_audit(session, person, "person.email_changed", person)
    if old:
        with in_language(person.language):
            _send(
                session, person, old, KIND_EMAIL_CHANGED,
                Draft(
                    _("Your email address was changed"),
                    [
                        _("The email address of your mutualaid account is now %(masked)s. "
                          "We will not write to this address again.",
                          masked=mask_email(person.email)),
                        _("If you did not do this, reset your password and contact a "
                          "coordinator."),
                    ],
                ),
            )  # fmt: skip
    session.flush()
    return person
