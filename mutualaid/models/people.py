"""People: web accounts, phone-only participants, coordinators and admins are all a Person."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualaid.models.base import Base, utcnow
from mutualaid.models.places import Located, area_coordinators

ROLE_NEIGHBOR = "neighbor"
ROLE_COORDINATOR = "coordinator"
ROLE_ADMIN = "admin"
ROLES = (ROLE_NEIGHBOR, ROLE_COORDINATOR, ROLE_ADMIN)

LANGUAGES = ("en", "es")

# SMS consent: "none" until the person texts in or opts in on the web.
CONSENT_NONE = "none"
CONSENT_OPTED_IN = "opted_in"
CONSENT_OPTED_OUT = "opted_out"

# How the person wants to hear from the platform.
SMS_PREF_NONE = "none"  # web only
SMS_PREF_NOTIFY = "notify"  # web, plus texts for invitations and pod news
SMS_PREF_ONLY = "only"  # phone-only participant
SMS_PREFERENCES = (SMS_PREF_NONE, SMS_PREF_NOTIFY, SMS_PREF_ONLY)


class Person(UserMixin, Located, Base):
    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    # Issue 19: notices go by email only to a proven address; "Delete my account" redacts
    # the row and stamps ``deleted_at`` (docs/privacy.md).
    email_verified_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    phone: Mapped[str | None] = mapped_column(String(20), unique=True)  # E.164
    phone_verified_at: Mapped[datetime | None]
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=ROLE_NEIGHBOR)
    language: Mapped[str] = mapped_column(String(5), default="en")
    sms_preference: Mapped[str] = mapped_column(String(10), default=SMS_PREF_NONE)
    sms_consent: Mapped[str] = mapped_column(String(12), default=CONSENT_NONE)
    sms_consent_at: Mapped[datetime | None]
    sms_opted_out_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]  # stops invitations (PAUSE / RESUME)
    suspended_at: Mapped[datetime | None]  # set by a coordinator; cannot log in
    notes: Mapped[str] = mapped_column(Text, default="")
    home_area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Sessions carry the epoch they were issued under; bumping it ("log out everywhere", a
    # password change) ends every session of this person (mutualaid.web.auth.sessions).
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")

    areas = relationship("Area", secondary=area_coordinators, back_populates="coordinators")
    home_area = relationship("Area", foreign_keys=[home_area_id])

    @property
    def first_name(self) -> str:
        return (self.name or "").split(" ")[0] or "Neighbor"

    @property
    def is_coordinator(self) -> bool:
        return self.role in (ROLE_COORDINATOR, ROLE_ADMIN)

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    @property
    def is_active(self) -> bool:  # Flask-Login: suspended people cannot log in
        return self.suspended_at is None

    @property
    def has_password(self) -> bool:
        return bool(self.password_hash)

    @property
    def sms_opted_out(self) -> bool:
        return self.sms_consent == CONSENT_OPTED_OUT

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.role}>"


class PhoneVerification(Base):
    """A code sent by SMS to prove a web account owns a phone number (issue 7).

    The number is attached to the account only when the code is confirmed; a phone-only
    person with the same number is then merged into the account."""

    __tablename__ = "phone_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)  # E.164
    code_hash: Mapped[str] = mapped_column(String(128))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    verified_at: Mapped[datetime | None]
