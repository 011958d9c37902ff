"""Linking a web account to a phone number, and merging phone-only people into accounts.

A web user asks for a code (``start_verification``): a 6-digit code goes out by SMS through
the outbox, at most ``verify_codes_per_hour`` per account and per number. Confirming it
(``confirm_code``) attaches the number to the account; from then on texts from that number
act as that account. If a phone-only person (no email, no password) already had that number,
everything of theirs (needs, offers, pod seats, messages, texts, notifications) moves to the
account and the phone-only record is deleted: one person, not two.

Domain functions: flush, never commit, never network (the text is queued in the outbox).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.i18n import _, in_language
from mutualaid.models import Person, utcnow
from mutualaid.models.messages import Conversation
from mutualaid.models.people import (
    SMS_PREF_NONE,
    SMS_PREF_NOTIFY,
    PhoneVerification,
)
from mutualaid.notify import notify
from mutualaid.sms.flow_state import config
from mutualaid.sms.outbox import KIND_VERIFICATION, VERIFICATION_PRIORITY, may_text, queue_sms
from mutualaid.workspace.people import fold_person


class VerificationError(ValueError):
    """The code could not be sent or confirmed; the message is safe to show."""


def _config() -> dict:
    return config()


def _hash(person_id: int, phone: str, code: str) -> str:
    return hashlib.sha256(f"{person_id}|{phone}|{code}".encode()).hexdigest()


def is_phone_only(person: Person) -> bool:
    return not person.email and not person.password_hash


def start_verification(session: Session, person: Person, phone: str) -> PhoneVerification:
    """Queue a code to ``phone`` (E.164) for ``person``. Raises VerificationError when the
    number belongs to another account or the hourly limit is reached."""
    owner = session.scalar(select(Person).where(Person.phone == phone))
    if owner is not None and owner.id != person.id and not is_phone_only(owner):
        raise VerificationError(_("That phone number is already linked to another account."))
    if owner is not None and owner.sms_opted_out:
        raise VerificationError(
            _("That number has opted out of texts. Text START to it from the phone first.")
        )
    if not may_text(phone):  # SMS_ALLOWED_COUNTRIES
        raise VerificationError(_("We cannot send texts to phone numbers in that country."))
    cfg = _config()
    hour_ago = utcnow() - timedelta(hours=1)
    recent = session.scalar(
        select(func.count())
        .select_from(PhoneVerification)
        .where(
            PhoneVerification.created_at > hour_ago,
            (PhoneVerification.person_id == person.id) | (PhoneVerification.phone == phone),
        )
    )
    if recent >= cfg.get("verify_codes_per_hour", 3):
        raise VerificationError(
            _("Too many codes were sent in the last hour. Please try again later.")
        )
    code = f"{secrets.randbelow(1_000_000):06d}"
    row = PhoneVerification(
        person_id=person.id,
        phone=phone,
        code_hash=_hash(person.id, phone, code),
        attempts=0,
        created_at=utcnow(),
        expires_at=utcnow() + timedelta(minutes=cfg.get("verify_code_minutes", 10)),
    )
    session.add(row)
    session.flush()
    with in_language(person.language):
        body = _(
            "mutualaid: your code is %(code)s. It links this phone to your account. "
            "Didn't ask? Ignore this text.",
            code=code,
        )
    # First in line (never behind a backlog of replies) and exempt from the daily cap.
    queue_sms(
        session,
        phone,
        body,
        kind=KIND_VERIFICATION,
        priority=VERIFICATION_PRIORITY,
        idempotency_key=f"verify-{row.id}",
    )
    return row


def confirm_code(session: Session, person: Person, code: str) -> Person:
    """Check ``code`` against the person's latest live code; on success attach the number
    (merging a phone-only person who had it). Returns the account."""
    row = session.scalar(
        select(PhoneVerification)
        .where(PhoneVerification.person_id == person.id, PhoneVerification.verified_at.is_(None))
        .order_by(PhoneVerification.id.desc())
        .limit(1)
    )
    expires = row.expires_at if row is not None else None
    if expires is not None and expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    if row is None or expires is None or expires <= utcnow():
        raise VerificationError(_("That code has expired. Ask for a new one."))
    if row.attempts >= _config().get("verify_max_attempts", 5):
        raise VerificationError(_("Too many wrong codes. Ask for a new one."))
    typed = "".join(ch for ch in (code or "") if ch.isdigit())
    if not hmac.compare_digest(_hash(person.id, row.phone, typed), row.code_hash):
        row.attempts += 1
        session.flush()
        raise VerificationError(_("That code is not right. Check the text and try again."))
    row.verified_at = utcnow()
    owner = session.scalar(select(Person).where(Person.phone == row.phone))
    if owner is not None and owner.id != person.id:
        if not is_phone_only(owner):
            raise VerificationError(_("That phone number is already linked to another account."))
        merge_into(session, owner, person)
    person.phone = row.phone
    person.phone_verified_at = utcnow()
    if person.sms_preference == SMS_PREF_NONE:
        person.sms_preference = SMS_PREF_NOTIFY
    session.flush()
    record_audit(session, person, "person.phone_verified", person, {})
    return person


def merge_into(session: Session, phone_only: Person, account: Person) -> None:
    """Move everything of ``phone_only`` to ``account`` and delete ``phone_only`` (the same
    merge coordinators use), keeping the texter's consent and the verified number."""
    phone = phone_only.phone
    session.execute(delete(Conversation).where(Conversation.person_id == phone_only.id))
    session.execute(delete(PhoneVerification).where(PhoneVerification.person_id == phone_only.id))
    if account.paused_at is None:
        account.paused_at = phone_only.paused_at
    fold_person(session, account, phone_only, account, via="phone")
    account.phone = phone
    session.flush()


def phone_only_owner(session: Session, phone: str) -> Person | None:
    """The phone-only person who holds ``phone``, if any (sign-up merges them after a code)."""
    owner = session.scalar(select(Person).where(Person.phone == phone))
    return owner if owner is not None and is_phone_only(owner) else None


def release_unproven_claim(session: Session, holder: Person) -> None:
    """Someone texted from a number a web account typed but never proved: the texter owns
    the phone, so the claim is dropped (the number is free for them) and the account holder
    told on the website. They can add the number again and prove it with a code."""
    number = holder.phone or ""
    holder.phone = None
    holder.phone_verified_at = None
    session.flush()
    with in_language(holder.language):
        notify(
            session,
            holder,
            "phone_claim_dropped",
            lambda: _(
                "We removed the number ending in %(last4)s from your profile: it was never "
                "confirmed, and its owner texted us. If it is yours, add it again and confirm "
                "it.",
                last4=number[-4:],
            ),
            link="/account/phone",
        )
    record_audit(session, None, "person.phone_claim_dropped", holder, {"last4": number[-4:]})
