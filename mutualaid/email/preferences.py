"""Which channels a person wants, per kind of notice (issue 19): text, email, both or none,
for invitations, group updates, thread messages and check-ins. No choice recorded means
"both" (each channel only if the person can get it: texts to a proven number, email to a
confirmed address). Plain functions on a session: they flush and never commit."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.models import NoticePreference, Person
from mutualaid.models.email import (
    CATEGORIES,
    CATEGORY_CHECKINS,
    CATEGORY_GROUP,
    CATEGORY_INVITATIONS,
    CHANNEL_BOTH,
    CHANNEL_EMAIL,
    CHANNEL_NONE,
    CHANNEL_TEXT,
    CHANNELS,
)

# Every notice kind notify() is called with, by category (tests check none is missing).
KIND_CATEGORY = {
    "invitation": CATEGORY_INVITATIONS,
    "invitation_withdrawn": CATEGORY_INVITATIONS,
    "pod_full": CATEGORY_INVITATIONS,
    "checkin": CATEGORY_CHECKINS,
    "offer_confirm": CATEGORY_CHECKINS,
    "pod_formed": CATEGORY_GROUP,
    "helper_joined": CATEGORY_GROUP,
    "pod_resolved": CATEGORY_GROUP,
    "need_cancelled": CATEGORY_GROUP,
    "pod_dissolved": CATEGORY_GROUP,
    "done_asked": CATEGORY_GROUP,
    "need_escalated": CATEGORY_GROUP,
    "need_expired": CATEGORY_GROUP,
    "need_unmatched": CATEGORY_GROUP,
    "need_unmatched_nearby": CATEGORY_GROUP,
    "coordinator_message": CATEGORY_GROUP,
    "phone_claim_dropped": CATEGORY_GROUP,
}


def category_of(kind: str) -> str:
    return KIND_CATEGORY.get(kind, CATEGORY_GROUP)


def channels(session: Session, person: Person) -> dict[str, str]:
    """The person's choice for every category."""
    chosen = {
        p.category: p.channel
        for p in session.scalars(
            select(NoticePreference).where(NoticePreference.person_id == person.id)
        )
    }
    return {c: chosen.get(c, CHANNEL_BOTH) for c in CATEGORIES}


def channel_for(session: Session, person: Person, category: str) -> str:
    if person.id is None:
        return CHANNEL_BOTH
    row = session.get(NoticePreference, (person.id, category))
    return row.channel if row is not None else CHANNEL_BOTH


def wants_text(session: Session, person: Person, category: str) -> bool:
    return channel_for(session, person, category) in (CHANNEL_TEXT, CHANNEL_BOTH)


def wants_email(session: Session, person: Person, category: str) -> bool:
    return channel_for(session, person, category) in (CHANNEL_EMAIL, CHANNEL_BOTH)


def gets_email(person: Person) -> bool:
    """Email notices go only to a confirmed address of a live account."""
    return bool(person.email) and person.email_verified_at is not None and not person.deleted_at


def set_channel(session: Session, person: Person, category: str, channel: str) -> None:
    if category not in CATEGORIES or channel not in CHANNELS:
        raise ValueError(f"unknown notice preference {category}={channel}")
    row = session.get(NoticePreference, (person.id, category))
    if row is None:
        session.add(NoticePreference(person_id=person.id, category=category, channel=channel))
    else:
        row.channel = channel
    session.flush()


def stop_email(session: Session, person: Person, category: str) -> str:
    """The one-click unsubscribe: email is taken out of this category's channels (texts
    stay as they were). Returns the new channel."""
    current = channel_for(session, person, category)
    new = CHANNEL_TEXT if current in (CHANNEL_BOTH, CHANNEL_TEXT) else CHANNEL_NONE
    set_channel(session, person, category, new)
    return new
