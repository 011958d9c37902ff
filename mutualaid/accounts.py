"""People and accounts: sign-up, authentication, profile changes, roles.

Plain functions taking a session; they flush and never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.i18n import _
from mutualaid.models import Person, utcnow
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
