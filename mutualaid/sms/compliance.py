"""Compliance: STOP / START / HELP keywords (English and Spanish), recorded consent, and the
caps that protect recipients and the budget.

Rules (docs/sms.md): nothing is ever sent to an opted-out number (checked when a text is
queued and again when it is sent); at most ``SMS_DAILY_CAP`` texts per number per rolling
24 h; at most ``SMS_UNKNOWN_REPLY_CAP`` replies per 24 h to a number that is not yet known
(texted in and did nothing else), so a flood of inbound texts cannot make us send a flood.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, case, func, or_, select, update
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.i18n import _, in_language
from mutualaid.models import Person, SmsMessage, utcnow
from mutualaid.models.messages import (
    KIND_REPLY,
    OUTBOUND,
    SMS_CANCELLED,
    SMS_QUEUED,
)
from mutualaid.models.people import CONSENT_OPTED_IN, CONSENT_OPTED_OUT
from mutualaid.sms import vocabulary

# The words themselves live in the SMS vocabulary (one list for the parser and for this).
OPT_OUT_WORDS = frozenset(word.upper() for word in vocabulary.OPT_OUT_WORDS)
OPT_IN_WORDS = frozenset(word.upper() for word in vocabulary.OPT_IN_WORDS)
OPT_IN_WHEN_OPTED_OUT = frozenset({"YES", "SI"})
HELP_WORDS = frozenset({"HELP", "INFO", "AYUDA"})

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


def sent_in_last_day(session: Session, to_number: str) -> tuple[int, int]:
    """(texts, replies) queued or sent to ``to_number`` in the last 24 h, in one query."""
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
        )
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def block_reason(
    session: Session,
    person: Person | None,
    to_number: str,
    *,
    kind: str,
    daily_cap: int,
    unknown_reply_cap: int,
) -> str | None:
    """Why a new text to ``to_number`` must not go out, or None when it may."""
    if person is not None and person.sms_opted_out:
        return "opted out"
    texts, replies = sent_in_last_day(session, to_number)
    if texts >= daily_cap:
        return "daily cap reached"
    if kind == KIND_REPLY and not is_known_number(person) and replies >= unknown_reply_cap:
        return "unknown-number reply cap reached"
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
