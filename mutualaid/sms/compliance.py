"""Compliance: STOP / START / HELP keywords (English and Spanish), recorded consent, and the
caps that protect recipients and the budget.

Rules (docs/sms.md): nothing is ever sent to an opted-out number (checked when a text is
queued and again when it is sent); at most ``SMS_DAILY_CAP`` texts per number per rolling
24 h; at most ``SMS_UNKNOWN_REPLY_CAP`` replies per 24 h to a number that is not yet known
(texted in and did nothing else), so a flood of inbound texts cannot make us send a flood.

Abuse budgets (issue 16, docs/sms.md "Abuse budgets"): texts go only to countries in
``SMS_ALLOWED_COUNTRIES``; at most ``SMS_GLOBAL_DAILY_CAP`` texts in all per rolling 24 h;
at most ``SMS_REQUESTER_INVITE_CAP`` invitations from one requester to one helper per 24 h
(so one neighbor's needs cannot use up a helper's daily cap); verification codes are exempt
from the per-number daily cap. Senders that are not a valid phone number in an allowed
country (short codes, alphanumeric senders) are never answered (``answerable_sender``).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any, cast

import phonenumbers
from sqlalchemy import CursorResult, case, func, literal, or_, select, update
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.i18n import _, in_language
from mutualaid.models import Need, Person, SmsMessage, utcnow
from mutualaid.models.messages import (
    KIND_REPLY,
    OUTBOUND,
    SMS_CANCELLED,
    SMS_QUEUED,
)
from mutualaid.models.people import CONSENT_OPTED_IN, CONSENT_OPTED_OUT
from mutualaid.phones import country_of, is_valid_e164
from mutualaid.sms import vocabulary

# The words themselves live in the SMS vocabulary (one list for the parser and for this).
OPT_OUT_WORDS = frozenset(word.upper() for word in vocabulary.OPT_OUT_WORDS)
OPT_IN_WORDS = frozenset(word.upper() for word in vocabulary.OPT_IN_WORDS)
OPT_IN_WHEN_OPTED_OUT = frozenset({"YES", "SI"})
HELP_WORDS = frozenset({"HELP", "INFO", "AYUDA"})

# Kinds of outbound text the budgets treat specially. "invitation" is the notice kind of
# pods.formation's invitation to help (a domain module: named here, not imported).
KIND_VERIFICATION = "verification"
KIND_INVITATION = "invitation"
ANY_COUNTRY = "*"

# Inbound texts (issue 18): ``SmsMessage.priority`` of a text that reads as a request for
# help, and of one with signs of an emergency (first in the coordinators' inbox).
INBOUND_REQUEST = 10
INBOUND_URGENT = 20
PREFIX_DIGITS = 6  # a prefix: the country code and this many digits after it

KEYWORD_STOP = "stop"
KEYWORD_START = "start"
KEYWORD_HELP = "help"

_PUNCT = re.compile(r"[\W_]+", re.UNICODE)


def keyword_of(body: str) -> str:
    """The message as one bare upper-case word: case, accents, spaces and punctuation
    ignored ("  Stop. " -> "STOP", "¡Ayuda!" -> "AYUDA", "sí" -> "SI")."""
    text = unicodedata.normalize("NFKD", body or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return _PUNCT.sub("", text).upper()


def classify_keyword(body: str, person: Person | None) -> str | None:
    """KEYWORD_STOP / KEYWORD_START / KEYWORD_HELP, or None for everything else."""
    word = keyword_of(body)
    if not word or len(word) > 12:
        return None
    if word in OPT_OUT_WORDS:
        return KEYWORD_STOP
    if word in OPT_IN_WORDS:
        return KEYWORD_START
    if word in OPT_IN_WHEN_OPTED_OUT and person is not None and person.sms_opted_out:
        return KEYWORD_START
    if word in HELP_WORDS:
        return KEYWORD_HELP
    return None


def opt_out(session: Session, person: Person, *, source: str, message_id: int | None = None) -> int:
    """Record the opt-out with its time and cancel every queued text to the number.
    Returns how many queued texts were cancelled."""
    person.sms_consent = CONSENT_OPTED_OUT
    person.sms_opted_out_at = utcnow()
    cancelled = cancel_queued(session, person, reason=f"opted out ({source})")
    record_audit(
        session,
        None,
        "sms.opted_out",
        person,
        {"source": source, "message_id": message_id, "cancelled": cancelled},
    )
    session.flush()
    return cancelled


def opt_in(session: Session, person: Person, *, source: str, message_id: int | None = None) -> None:
    """Record consent with its time (a START, or the first text from a new number)."""
    was = person.sms_consent
    person.sms_consent = CONSENT_OPTED_IN
    person.sms_consent_at = utcnow()
    record_audit(
        session,
        None,
        "sms.opted_in",
        person,
        {"source": source, "message_id": message_id, "was": was},
    )
    session.flush()


def cancel_queued(session: Session, person: Person, *, reason: str) -> int:
    numbers = [n for n in {person.phone} if n]
    conditions = [SmsMessage.person_id == person.id]
    if numbers:
        conditions.append(SmsMessage.to_number.in_(numbers))
    # An UPDATE without RETURNING gives a CursorResult; Session.execute is typed as Result.
    result = cast(
        "CursorResult[Any]",
        session.execute(
            update(SmsMessage)
            .where(
                SmsMessage.direction == OUTBOUND,
                SmsMessage.status == SMS_QUEUED,
                or_(*conditions),
            )
            .values(
                status=SMS_CANCELLED,
                error_message=reason,
                next_attempt_at=None,
                updated_at=utcnow(),
            )
            .execution_options(synchronize_session="fetch")
        ),
    )
    return int(result.rowcount or 0)


def is_known_number(person: Person | None) -> bool:
    """A number is known once it belongs to an account (email or password), or the number
    has been verified / vouched for (``phone_verified_at``, set by ``mark_number_known``)."""
    if person is None:
        return False
    return bool(person.email or person.password_hash or person.phone_verified_at)


def mark_number_known(session: Session, person: Person) -> None:
    """Call when a texter does something real (posts a need, joins a pod): lifts the
    unknown-number reply cap for them."""
    if person.phone_verified_at is None:
        person.phone_verified_at = utcnow()
        session.flush()


def country_allowed(number: str, allowed: tuple[str, ...]) -> bool:
    """May texts go to ``number``? Its country (``phones.country_of``) must be in
    ``allowed`` (``SMS_ALLOWED_COUNTRIES``; "*" allows every country)."""
    if ANY_COUNTRY in allowed:
        return True
    return country_of(number) in allowed


_PAID_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.PREMIUM_RATE,
        phonenumbers.PhoneNumberType.SHARED_COST,
        phonenumbers.PhoneNumberType.UAN,
        phonenumbers.PhoneNumberType.PAGER,
    }
)


def paid_number(number: str) -> bool:
    """A premium-rate, shared-cost or similar number: texts to it cost more or pay someone
    (SMS pumping), so it is never answered."""
    try:
        return phonenumbers.number_type(phonenumbers.parse(number, None)) in _PAID_TYPES
    except phonenumbers.NumberParseException:
        return True


def answerable_sender(number: str, allowed: tuple[str, ...]) -> bool:
    """May a text from this unknown sender get a reply (and a person record)? Only a valid
    phone number (E.164) in an allowed country that is not premium-rate: never a short code
    ("12345"), an alphanumeric sender ("ACME-BANK"), a number that is not valid, or a paid
    number (SMS pumping)."""
    return is_valid_e164(number) and country_allowed(number, allowed) and not paid_number(number)


def sent_in_last_day(session: Session, to_number: str) -> tuple[int, int]:
    """(texts, replies) queued or sent to ``to_number`` in the last 24 h, in one query.
    Verification codes are not counted (they are exempt from the daily cap)."""
    since = utcnow() - timedelta(hours=24)
    row = session.execute(
        select(
            func.count(SmsMessage.id),
            func.coalesce(func.sum(case((SmsMessage.kind == KIND_REPLY, 1), else_=0)), 0),
        ).where(
            SmsMessage.direction == OUTBOUND,
            SmsMessage.to_number == to_number,
            SmsMessage.created_at >= since,
            SmsMessage.status != SMS_CANCELLED,
            SmsMessage.kind != KIND_VERIFICATION,
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def sent_everywhere_in_last_day(session: Session, up_to: int) -> int:
    """Texts to anyone queued or sent in the last 24 h (every kind), counted up to ``up_to``
    (the count stops there: enough to know the global cap is reached)."""
    since = utcnow() - timedelta(hours=24)
    recent = (
        select(literal(1))
        .where(
            SmsMessage.direction == OUTBOUND,
            SmsMessage.created_at >= since,
            SmsMessage.status != SMS_CANCELLED,
        )
        .limit(up_to)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(recent)) or 0)


def number_prefix(number: str) -> str:
    """ "+17185550123" -> "+1718555": the country code and ``PREFIX_DIGITS`` digits (for
    North America, the area code and exchange), so a burst from one block of numbers is
    seen as one."""
    digits = re.sub(r"\D", "", number or "")
    code_length = 1 if digits.startswith(("1", "7")) else 2
    return "+" + digits[: code_length + PREFIX_DIGITS]


def unknown_replies_to_prefix(session: Session, prefix: str, up_to: int) -> int:
    """Replies in the last 24 h to numbers starting with ``prefix`` whose owner is not
    known (no account, never verified), counted up to ``up_to``."""
    since = utcnow() - timedelta(hours=24)
    recent = (
        select(literal(1))
        .select_from(SmsMessage)
        .outerjoin(Person, Person.id == SmsMessage.person_id)
        .where(
            SmsMessage.direction == OUTBOUND,
            SmsMessage.kind == KIND_REPLY,
            SmsMessage.to_number.startswith(prefix, autoescape=True),
            SmsMessage.created_at >= since,
            SmsMessage.status != SMS_CANCELLED,
            Person.email.is_(None),
            Person.password_hash.is_(None),
            Person.phone_verified_at.is_(None),
        )
        .limit(up_to)
        .subquery()
    )
    return int(session.scalar(select(func.count()).select_from(recent)) or 0)


def invitations_from_requester(session: Session, to_number: str, requester_id: int) -> int:
    """Invitations to ``to_number`` for needs of ``requester_id`` in the last 24 h."""
    since = utcnow() - timedelta(hours=24)
    count = session.scalar(
        select(func.count(SmsMessage.id))
        .join(Need, Need.id == SmsMessage.need_id)
        .where(
            SmsMessage.direction == OUTBOUND,
            SmsMessage.to_number == to_number,
            SmsMessage.created_at >= since,
            SmsMessage.status != SMS_CANCELLED,
            SmsMessage.kind == KIND_INVITATION,
            Need.requester_id == requester_id,
        )
    )
    return int(count or 0)


def block_reason(
    session: Session,
    person: Person | None,
    to_number: str,
    *,
    kind: str,
    daily_cap: int,
    unknown_reply_cap: int,
    allowed_countries: tuple[str, ...] = (ANY_COUNTRY,),
    global_daily_cap: int = 0,
    requester_id: int | None = None,
    requester_invite_cap: int = 0,
    asking_for_help: bool = False,
    unknown_request_cap: int = 0,
    prefix_daily_cap: int = 0,
) -> str | None:
    """Why a new text to ``to_number`` must not go out, or None when it may. A cap of 0
    (global, per requester, per prefix) is no cap. ``requester_id``: whose need an
    invitation is for. ``asking_for_help``: a reply to a text that reads as a request for
    help (issue 18): an unknown number gets up to ``unknown_request_cap`` such replies a day
    instead of ``unknown_reply_cap``, so a first-time texter asking for help is answered."""
    if person is not None and person.sms_opted_out:
        return "opted out"
    if not country_allowed(to_number, allowed_countries):
        country = country_of(to_number) or "unknown"
        return f"country {country} not in SMS_ALLOWED_COUNTRIES"
    if global_daily_cap and sent_everywhere_in_last_day(session, global_daily_cap) >= (
        global_daily_cap
    ):
        return "global daily cap reached"
    if (
        kind == KIND_INVITATION
        and requester_id is not None
        and requester_invite_cap
        and invitations_from_requester(session, to_number, requester_id) >= requester_invite_cap
    ):
        return "invitation budget per requester reached"
    texts, replies = sent_in_last_day(session, to_number)
    if kind != KIND_VERIFICATION and texts >= daily_cap:
        return "daily cap reached"
    if kind == KIND_REPLY and not is_known_number(person):
        if replies >= max(unknown_reply_cap, unknown_request_cap if asking_for_help else 0):
            return "unknown-number reply cap reached"
        if prefix_daily_cap and (
            unknown_replies_to_prefix(session, number_prefix(to_number), prefix_daily_cap)
            >= prefix_daily_cap
        ):
            return "prefix daily cap reached"
    return None


def help_text(language: str | None) -> str:
    with in_language(language):
        return _(
            "mutualaid: text NEED, OFFER, STATUS, PAUSE, LANG ES. "
            "A neighbor coordinator reads other texts. Reply STOP to opt out. "
            "Msg&data rates may apply."
        )


def opted_in_text(language: str | None) -> str:
    with in_language(language):
        return _("mutualaid: you will get texts again. Reply HELP for help, STOP to opt out.")
