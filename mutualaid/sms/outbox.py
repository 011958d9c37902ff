"""The transactional outbox: ``queue_sms`` is the ONE way the app sends a text.

``queue_sms`` writes the row in the caller's transaction (flush, never commit) and asks for
a dispatch task once that transaction commits (a SQLAlchemy ``after_commit`` hook; the task
carries the row id only). If the transaction rolls back, nothing is queued and nothing is
sent. Below it: the forward-only status machine and status callbacks. The worker's steps (claim,
record outcomes) are in ``mutualaid.sms.sending``; ``mutualaid.sms.dispatcher`` is the edge
that commits around the network call.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.models import Person, SmsMessage, SmsStatusEvent, utcnow
from mutualaid.models.messages import (
    KIND_REPLY,
    OUTBOUND,
    SMS_CANCELLED,
    SMS_DELIVERED,
    SMS_FAILED,
    SMS_QUEUED,
    SMS_SENDING,
    SMS_SENT,
    SMS_UNDELIVERED,
)
from mutualaid.settings import Settings
from mutualaid.sms import compliance
from mutualaid.sms.compose import compose
from mutualaid.sms.gateway import sender_number

PENDING_KEY = "sms_outbox_pending"
# The order texts go out in (claims take the highest priority first; docs/sms.md). A
# transactional text never waits behind a backlog of replies, which anyone can cause by
# texting in: verification codes (someone is looking at the code box), then invitations
# (notify.URGENT: a need is waiting for helpers), then replies, then group news (a helper
# who just said YES reads "you're in" before "the group is complete"), then other notices.
VERIFICATION_PRIORITY = 20
URGENT_NOTICE_PRIORITY = 15
REPLY_PRIORITY = 10
GROUP_NEWS_PRIORITY = 5
NOTICE_PRIORITY = 0
KIND_VERIFICATION = compliance.KIND_VERIFICATION

# Forward-only status machine. Terminal statuses never change again.
RANK = {
    SMS_QUEUED: 0,
    SMS_SENDING: 1,
    SMS_SENT: 2,
    SMS_DELIVERED: 3,
    SMS_UNDELIVERED: 3,
    SMS_FAILED: 3,
    SMS_CANCELLED: 3,
}
TERMINAL = frozenset({SMS_DELIVERED, SMS_UNDELIVERED, SMS_FAILED, SMS_CANCELLED})
# The provider's status words, mapped onto ours.
PROVIDER_STATUS = {
    "accepted": SMS_SENT,
    "scheduled": SMS_SENT,
    "queued": SMS_SENT,
    "sending": SMS_SENT,
    "sent": SMS_SENT,
    "delivered": SMS_DELIVERED,
    "read": SMS_DELIVERED,
    "undelivered": SMS_UNDELIVERED,
    "failed": SMS_FAILED,
    "canceled": SMS_CANCELLED,
}
# Order of the provider's own words within our "sent".
PROVIDER_STEP = {"accepted": 0, "scheduled": 0, "queued": 1, "sending": 2, "sent": 3}


def _settings() -> Settings:
    settings: Settings = current_app.config["MUTUALAID"]  # set by create_app()
    return settings


def may_text(number: str) -> bool:
    """Is ``number`` in a country texts may go to (``SMS_ALLOWED_COUNTRIES``)?"""
    return compliance.country_allowed(number, _settings().sms_allowed_countries)


def _default_priority(kind: str) -> int:
    if kind == KIND_VERIFICATION:
        return VERIFICATION_PRIORITY
    return REPLY_PRIORITY if kind == KIND_REPLY else NOTICE_PRIORITY


def queue_sms(
    session: Session,
    person_or_number: Person | str,
    body: str,
    *,
    kind: str,
    need: object | None = None,
    pod: object | None = None,
    priority: int | None = None,
    idempotency_key: str | None = None,
    asking_for_help: bool = False,
) -> SmsMessage:
    """Record an outbound text in the caller's transaction; it is sent after commit.

    ``body`` must already be rendered in the recipient's language (``in_language``). The
    row is always written: when the number has opted out or a cap is reached it is written
    as ``cancelled`` with the reason in ``error_message`` and never sent. With an
    ``idempotency_key`` a second call returns the first row instead of queueing again.
    ``kind`` "verification" goes first, then "reply" (an answer to the person's own text),
    then notices, unless ``priority`` says otherwise (``URGENT_NOTICE_PRIORITY``).
    ``asking_for_help``: a reply to a text that reads as a request for help (the budgets
    answer an unknown number asking for help more often, ``compliance.block_reason``).
    """
    settings = _settings()
    if idempotency_key:
        existing = session.scalar(
            select(SmsMessage).where(SmsMessage.idempotency_key == idempotency_key)
        )
        if existing is not None:
            return existing
    if isinstance(person_or_number, Person):
        person: Person | None = person_or_number
        to_number = person_or_number.phone or ""
    else:
        to_number = person_or_number
        person = session.scalar(select(Person).where(Person.phone == to_number))
    if not to_number:
        raise ValueError("queue_sms needs a person with a phone number, or a number")
    composed = compose(body, settings.sms_max_segments)
    message = SmsMessage(
        direction=OUTBOUND,
        from_number=sender_number(settings),
        to_number=to_number,
        body=composed.body,
        segments=composed.segments,
        kind=kind,
        priority=priority if priority is not None else _default_priority(kind),
        person_id=person.id if person is not None else None,
        need_id=getattr(need, "id", None),
        pod_id=getattr(pod, "id", None),
        idempotency_key=idempotency_key,
        attempts=0,
        error_message="",
    )
    reason = compliance.block_reason(
        session,
        person,
        to_number,
        kind=kind,
        daily_cap=settings.sms_daily_cap,
        unknown_reply_cap=settings.sms_unknown_reply_cap,
        allowed_countries=settings.sms_allowed_countries,
        global_daily_cap=settings.sms_global_daily_cap,
        requester_id=getattr(need, "requester_id", None),
        requester_invite_cap=settings.sms_requester_invite_cap,
        asking_for_help=asking_for_help,
        unknown_request_cap=settings.sms_unknown_request_cap,
        prefix_daily_cap=settings.sms_prefix_daily_cap,
    )
    if reason:
        message.status = SMS_CANCELLED
        message.error_message = reason
    else:
        message.status = SMS_QUEUED
        message.next_attempt_at = utcnow()
    session.add(message)
    session.flush()
    if message.status == SMS_QUEUED:
        session.info.setdefault(PENDING_KEY, []).append(message.id)
    return message


# --- the status machine -----------------------------------------------------------------


def advance_status(message: SmsMessage, provider_status: str, error_code: int | None) -> bool:
    """Move ``message`` forward to what the provider says; never backwards, never out of a
    terminal status (a late "sent" does not overwrite "delivered"). Returns True if changed."""
    new = PROVIDER_STATUS.get((provider_status or "").lower())
    if new is None:
        return False
    current = message.status
    if current in TERMINAL or RANK[new] < RANK.get(current, 0):
        return False
    if new == current:
        # Same status of ours; keep the provider's word only if it is further along.
        word = (provider_status or "").lower()
        if PROVIDER_STEP.get(word, 0) > PROVIDER_STEP.get(message.provider_status or "", -1):
            message.provider_status = word
        return False
    message.status = new
    message.provider_status = (provider_status or "").lower()
    if error_code:
        message.error_code = error_code
    return True


def apply_status_callback(
    session: Session, sid: str, provider_status: str, error_code: int | None
) -> SmsMessage | None:
    """Record a status callback and move the message forward. Unknown sids are kept (the
    worker may not have committed the sid yet) and applied when it does."""
    message = session.scalar(select(SmsMessage).where(SmsMessage.provider_sid == sid))
    session.add(
        SmsStatusEvent(
            provider_sid=sid,
            status=(provider_status or "")[:20],
            error_code=error_code,
            message_id=message.id if message else None,
        )
    )
    if message is not None:
        advance_status(message, provider_status, error_code)
    session.flush()
    return message


def adopt_early_callbacks(session: Session, limit: int = 1000) -> int:
    """Apply stored callbacks whose sid was unknown when they arrived but is recorded now.

    ``record_sent_many`` applies early callbacks itself, but one that commits between the
    worker's UPDATE and its lookup is seen by neither side (each transaction misses the
    other's uncommitted row) and the text stayed "sent" forever. The periodic sweep calls
    this to settle them. Returns how many were applied."""
    rows = session.execute(
        select(SmsStatusEvent, SmsMessage)
        .join(SmsMessage, SmsMessage.provider_sid == SmsStatusEvent.provider_sid)
        .where(SmsStatusEvent.message_id.is_(None))
        .order_by(SmsStatusEvent.id)
        .limit(limit)
    ).all()
    for early, message in rows:
        early.message_id = message.id
        advance_status(message, early.status, early.error_code)
    session.flush()
    return len(rows)
