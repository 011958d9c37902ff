"""The coordinators' SMS inbox: inbound texts no handler placed (``handled_at`` unset).

A coordinator reads the text with the sender's history, replies by text (through the
outbox), attaches it to a need, creates a need from it, or marks it handled. Every action
marks the text handled and is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.i18n import _
from mutualaid.locations import Location
from mutualaid.models import Need, Person, SmsMessage, utcnow
from mutualaid.models.messages import INBOUND, KIND_REPLY
from mutualaid.need_records import NeedInput
from mutualaid.needs import post_need
from mutualaid.policy import coordinates_area, texts_filter
from mutualaid.sms.compliance import INBOUND_REQUEST, INBOUND_URGENT
from mutualaid.sms.outbox import queue_sms

PAGE_SIZE = 50


class InboxError(ValueError):
    """An inbox action that cannot happen; safe to show."""


def is_urgent(message: SmsMessage) -> bool:
    """A text with signs of an emergency (shown flagged, first in the inbox)."""
    return (message.priority or 0) >= INBOUND_URGENT


@dataclass
class InboxPage:
    rows: list[tuple[SmsMessage, Person | None]]
    total: int
    page: int
    has_next: bool


def _unhandled(session: Session, viewer: Person) -> Select[SmsMessage, Person]:
    return (
        select(SmsMessage, Person)
        .outerjoin(Person, Person.id == SmsMessage.person_id)
        .where(
            SmsMessage.direction == INBOUND,
            SmsMessage.handled_at.is_(None),
            texts_filter(session, viewer),
        )
    )


def inbox_page(session: Session, viewer: Person, *, page: int = 1) -> InboxPage:
    """Unhandled texts the viewer may read (``policy.texts_filter``: their areas' people,
    and texters who belong to no area yet): texts with signs of an emergency first, then
    requests for help, then the rest, oldest first within each (issue 18)."""
    stmt = _unhandled(session, viewer)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows: list[tuple[SmsMessage, Person | None]] = [
        (message, sender)
        for message, sender in session.execute(
            stmt.order_by(
                (SmsMessage.priority >= INBOUND_URGENT).desc(),
                (SmsMessage.priority >= INBOUND_REQUEST).desc(),
                SmsMessage.created_at,
                SmsMessage.id,
            )
            .limit(PAGE_SIZE + 1)
            .offset((max(page, 1) - 1) * PAGE_SIZE)
        )
    ]
    return InboxPage(rows[:PAGE_SIZE], total, page, len(rows) > PAGE_SIZE)


def visible(session: Session, viewer: Person, message: SmsMessage) -> bool:
    """An inbound text the viewer may open (else the page answers 404)."""
    if message.direction != INBOUND:
        return False
    stmt = (
        select(SmsMessage.id)
        .outerjoin(Person, Person.id == SmsMessage.person_id)
        .where(SmsMessage.id == message.id, texts_filter(session, viewer))
    )
    return session.scalar(stmt) is not None


def history(
    session: Session, viewer: Person, message: SmsMessage, *, limit: int = 30
) -> list[SmsMessage]:
    """The sender's recent texts, both ways, newest first: those the viewer may read."""
    number = message.from_number
    cond = (SmsMessage.from_number == number) | (SmsMessage.to_number == number)
    if message.person_id is not None:
        cond = cond | (SmsMessage.person_id == message.person_id)
    return list(
        session.scalars(
            select(SmsMessage)
            .outerjoin(Person, Person.id == SmsMessage.person_id)
            .where(cond, texts_filter(session, viewer))
            .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc())
            .limit(limit)
        )
    )


def open_needs_of(session: Session, viewer: Person, sender: Person | None) -> list[Need]:
    """The sender's open needs in the viewer's areas (to attach a text to)."""
    if sender is None:
        return []
    needs = session.scalars(
        select(Need).where(Need.requester_id == sender.id).order_by(Need.id.desc())
    )
    return [n for n in needs if n.is_active and coordinates_area(viewer, n.area_id)]


def _handled(session: Session, message: SmsMessage, actor: Person, action: str, **details) -> None:
    message.handled_at = utcnow()
    record_audit(session, actor, f"sms.{action}", message, details)
    session.flush()


def mark_handled(session: Session, message: SmsMessage, actor: Person) -> None:
    _handled(session, message, actor, "handled")


def reply(session: Session, message: SmsMessage, actor: Person, body: str) -> SmsMessage:
    text = (body or "").strip()
    if not text:
        raise InboxError(_("Write a reply first."))
    if len(text) > 600:
        raise InboxError(_("Keep replies under %(n)s characters.", n=600))
    sender = session.get(Person, message.person_id) if message.person_id else None
    out = queue_sms(session, sender or message.from_number, text, kind=KIND_REPLY)
    _handled(session, message, actor, "replied", reply_id=out.id)
    return out


def attach(session: Session, message: SmsMessage, actor: Person, need: Need) -> None:
    message.need_id = need.id
    _handled(session, message, actor, "attached", need_id=need.id)


def create_need(
    session: Session,
    message: SmsMessage,
    actor: Person,
    data: NeedInput,
    location: Location,
    *,
    now: datetime | None = None,
) -> Need:
    """Post a need for the texter from their text (details default to the text)."""
    sender = session.get(Person, message.person_id) if message.person_id else None
    if sender is None:
        raise InboxError(_("This text has no sender record."))
    if not data.details:
        data.details = message.body
    data.contact_preference = "sms"
    need = post_need(session, sender, data, location, now=now)
    message.need_id = need.id
    _handled(session, message, actor, "need_created", need_id=need.id)
    return need
