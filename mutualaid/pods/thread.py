"""The pod's shared thread and checklist. Web members read the thread on the pod page;
members who get texts receive each message as ``[CODE] Name: text`` through the platform,
never with anyone's number.

System notices ("Ana joined the pod.") are stored as rendered once, but each reader sees
them in their own language: :func:`system_text` recognises a stored notice in any language
and renders it again (the pod page's ``system_text`` filter, and the per-recipient relay).
"""

from __future__ import annotations

import re
from datetime import datetime
from functools import lru_cache

from flask_babel import get_translations
from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.email.preferences import wants_text
from mutualaid.i18n import LANGUAGE_NAMES, _, in_language
from mutualaid.models import ChecklistItem, Membership, Person, Pod, PodMessage, utcnow
from mutualaid.models.email import CATEGORY_THREAD
from mutualaid.models.pods import ACCEPTED
from mutualaid.notify import gets_texts, send_text

MAX_MESSAGE = 1000
MAX_ITEM = 200

# The notices the platform posts in threads (msgids, marked where they are posted).
SYSTEM_MESSAGES = (
    "%(name)s joined the pod.",
    "%(name)s was removed from the pod.",
    "%(name)s had to leave; we're inviting someone else.",
    "%(name)s marked this done.",
    "%(name)s now leads the pod.",
)


class ThreadError(ValueError):
    pass


def post_message(
    session: Session,
    pod: Pod,
    author: Person | None,
    body: str,
    *,
    channel: str = "web",
    relay: bool = True,
) -> PodMessage:
    """Add a message to the thread and relay it by text to the members who get texts
    (except its author)."""
    text = (body or "").strip()
    if not text:
        raise ThreadError(_("Write a message first."))
    if len(text) > MAX_MESSAGE:
        raise ThreadError(_("Keep messages under %(n)s characters.", n=MAX_MESSAGE))
    message = PodMessage(
        pod_id=pod.id, author_id=author.id if author else None, channel=channel, body=text
    )
    session.add(message)
    session.flush()
    if relay:
        name = author.first_name if author else "mutualaid"
        for person in members(session, pod):
            if author is not None and person.id == author.id:
                continue
            if (
                gets_texts(person)
                and not person.sms_opted_out
                and wants_text(session, person, CATEGORY_THREAD)
            ):
                if channel == "system":
                    with in_language(person.language):
                        said = system_text(text)
                else:
                    said = text
                send_text(
                    session,
                    person,
                    f"[{pod.code}] {name}: {said}",
                    kind="relay",
                    pod=pod,
                    need=pod.need,
                )
    return message


@lru_cache(maxsize=64)
def _pattern(msgid: str, language: str) -> re.Pattern[str]:
    with in_language(language):
        template = get_translations().gettext(msgid)
    parts = re.split(r"%\((\w+)\)s", template)
    regex = "".join(
        re.escape(part) if i % 2 == 0 else f"(?P<{part}>.+?)" for i, part in enumerate(parts)
    )
    return re.compile(regex, re.S)


def system_text(body: str) -> str:
    """A stored system notice in the current language (any other text unchanged)."""
    for msgid in SYSTEM_MESSAGES:
        for language in LANGUAGE_NAMES:
            match = _pattern(msgid, language).fullmatch(body)
            if match:
                return _(msgid, **match.groupdict())
    return body


def members(session: Session, pod: Pod) -> list[Person]:
    return list(
        session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.pod_id == pod.id, Membership.status == ACCEPTED)
            .order_by(Membership.role.desc(), Membership.responded_at, Membership.id)
        )
    )


def add_item(session: Session, pod: Pod, person: Person, text: str) -> ChecklistItem:
    text = (text or "").strip()
    if not text:
        raise ThreadError(_("Write the item first."))
    if len(text) > MAX_ITEM:
        raise ThreadError(_("Keep items under %(n)s characters.", n=MAX_ITEM))
    item = ChecklistItem(pod_id=pod.id, text=text, created_by_id=person.id)
    session.add(item)
    session.flush()
    return item


def toggle_item(
    session: Session, item: ChecklistItem, person: Person, *, now: datetime | None = None
) -> None:
    if item.done_at is None:
        item.done_at = now or utcnow()
        item.done_by_id = person.id
    else:
        item.done_at = None
        item.done_by_id = None
    session.flush()


def checklist(session: Session, pod: Pod) -> list[ChecklistItem]:
    return list(
        session.scalars(
            select(ChecklistItem).where(ChecklistItem.pod_id == pod.id).order_by(ChecklistItem.id)
        )
    )


def thread(session: Session, pod: Pod, limit: int = 200) -> list[PodMessage]:
    rows = session.scalars(
        select(PodMessage)
        .where(PodMessage.pod_id == pod.id)
        .order_by(PodMessage.created_at.desc(), PodMessage.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))
