"""People and accounts: sign-up, authentication, profile changes, roles.

Plain functions taking a session; they flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.i18n import _
from mutualaid.models import AccountToken, Person, utcnow
from mutualaid.models.audit import RevokedSession
from mutualaid.models.people import (
    LANGUAGES,
    ROLES,
    SMS_PREF_NONE,
    SMS_PREFERENCES,
)
from mutualaid.passwords import MIN_PASSWORD_LENGTH, Passwords


class AccountError(ValueError):
    """A rule about accounts was broken; ``field`` says which input to point at."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def find_by_email(session: Session, email: str) -> Person | None:
    return session.scalar(select(Person).where(func.lower(Person.email) == normalise_email(email)))


def find_by_phone(session: Session, phone: str) -> Person | None:
    return session.scalar(select(Person).where(Person.phone == phone))


@dataclass
class NewAccount:
    name: str
    email: str | None
    password: str | None
    phone: str | None = None
    role: str = "neighbor"
    language: str = "en"


def create_person(session: Session, passwords: Passwords | None, new: NewAccount) -> Person:
    """Create a person. Phone numbers must already be E.164 (see mutualaid.phones).
    ``passwords`` is only needed when ``new.password`` is set (CSV imports pass None)."""
    name = (new.name or "").strip()
    if not name:
        raise AccountError(_("Enter your name."), "name")
    if new.role not in ROLES:
        raise AccountError(_("Role must be one of %(roles)s.", roles=", ".join(ROLES)), "role")
    if new.language not in LANGUAGES:
        raise AccountError(_("Language must be en or es."), "language")
    email = normalise_email(new.email) if new.email else None
    if email and find_by_email(session, email):
        raise AccountError(_("An account with that email already exists. Log in instead."), "email")
    if new.phone and find_by_phone(session, new.phone):
        raise AccountError(_("That phone number is already linked to an account."), "phone")
    if new.password is not None and len(new.password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("Use at least %(n)s characters for your password.", n=MIN_PASSWORD_LENGTH),
            "password",
        )
    password_hash = None
    if new.password:
        assert passwords is not None, "setting a password needs the password hasher"
        password_hash = passwords.hash(new.password)
    person = Person(
        name=name,
        email=email,
        phone=new.phone or None,
        role=new.role,
        language=new.language,
        password_hash=password_hash,
        sms_preference=SMS_PREF_NONE,
    )
    session.add(person)
    session.flush()
    return person


def sign_up(session: Session, passwords: Passwords, new: NewAccount) -> Person | None:
    """A new web account, or None when the email is already taken: then nothing changes and
    the caller answers exactly as for a new account (issue 16), so sign-up does not tell who
    has an account. A phone number someone already holds is left off the new account (its
    owner is never texted from the sign-up form; the phone page verifies and merges it)."""
    email = normalise_email(new.email or "")
    if email and find_by_email(session, email):
        passwords.hash(new.password or "")  # the same work as a real sign-up: no timing tell
        return None
    if new.phone and find_by_phone(session, new.phone):
        new = replace(new, phone=None)
    try:
        with session.begin_nested():
            return create_person(session, passwords, new)
    except IntegrityError:  # the same email (or phone) signed up at the same moment
        return None


def change_password(
    session: Session, passwords: Passwords, person: Person, current: str, new: str
) -> None:
    """Set a new password after checking the current one; ends every other session."""
    if not passwords.verify(person.password_hash, current or ""):
        raise AccountError(_("That is not your current password."), "current")
    if len(new or "") < MIN_PASSWORD_LENGTH:
        raise AccountError(
            _("Use at least %(n)s characters for your password.", n=MIN_PASSWORD_LENGTH), "new"
        )
    person.password_hash = passwords.hash(new)
    record_audit(session, person, "person.password_changed", person)
    end_all_sessions(session, person)
    # A password reset link sent before the change dies with the old password (issue 19).
    session.execute(
        update(AccountToken)
        .where(AccountToken.person_id == person.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def end_all_sessions(session: Session, person: Person) -> None:
    """Every session issued before now stops working (they carry the old epoch)."""
    person.session_epoch = (person.session_epoch or 0) + 1
    session.flush()


def revoke_session(
    session: Session, person_id: int, sid: str, expires_at: datetime, now: datetime | None = None
) -> None:
    """Refuse the session ``sid`` from now on (until it would have expired anyway); prunes
    the rows of sessions that have expired since."""
    session.execute(delete(RevokedSession).where(RevokedSession.expires_at <= (now or utcnow())))
    if session.get(RevokedSession, sid) is None:
        session.add(RevokedSession(sid=sid, person_id=person_id, expires_at=expires_at))
    session.flush()


def session_revoked(session: Session, sid: str) -> bool:
    return session.get(RevokedSession, sid) is not None


def authenticate(
    session: Session, passwords: Passwords, email: str, password: str
) -> Person | None:
    """The person if email and password match an active account; otherwise None.

    Takes the same time whether or not the account exists, and never says which part was
    wrong. Upgrades the stored hash when the parameters have changed.
    """
    person = find_by_email(session, email) if email else None
    stored = person.password_hash if person else None
    if not passwords.verify(stored, password or ""):
        return None
    assert person is not None and stored is not None
    if not person.is_active:
        return None
    if passwords.needs_rehash(stored):
        person.password_hash = passwords.hash(password)
    person.last_login_at = utcnow()
    session.flush()
    return person


def update_profile(
    session: Session,
    person: Person,
    *,
    name: str,
    language: str,
    phone: str | None,
    sms_preference: str,
) -> None:
    if language not in LANGUAGES:
        raise AccountError(_("Choose English or Spanish."), "language")
    if sms_preference not in SMS_PREFERENCES:
        raise AccountError(_("Choose how you want to get texts."), "sms_preference")
    if not (name or "").strip():
        raise AccountError(_("Enter your name."), "name")
    if sms_preference != SMS_PREF_NONE and not phone:
        raise AccountError(_("Add a phone number to get texts."), "phone")
    if phone and phone != person.phone:
        other = find_by_phone(session, phone)
        if other is not None and other.id != person.id:
            raise AccountError(
                _("That phone number is already linked to another account."), "phone"
            )
    # Everything is valid: apply it.
    if phone != person.phone:
        person.phone = phone or None
        person.phone_verified_at = None  # a changed number must be verified again
    person.name = name.strip()
    person.language = language
    person.sms_preference = sms_preference
    session.flush()


def set_role(session: Session, actor: Person | None, person: Person, role: str) -> None:
    if role not in ROLES:
        raise AccountError(_("Role must be one of %(roles)s.", roles=", ".join(ROLES)), "role")
    if person.role != role:
        record_audit(
            session, actor, "person.role_changed", person, {"from": person.role, "to": role}
        )
        person.role = role
        session.flush()
