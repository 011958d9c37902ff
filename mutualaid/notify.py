"""One way to tell a person something: a web notification, and a text for people who get
texts. Every pod, need and offer notice goes through ``notify``.

Texts are rendered in the recipient's language; the SMS leg is written to the outbox in the
caller's transaction (sent by the worker after commit), so nothing is sent for a change that
is rolled back.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from mutualaid.i18n import in_language
from mutualaid.models import Need, Notification, Person, Pod
from mutualaid.models.people import SMS_PREF_NOTIFY, SMS_PREF_ONLY
from mutualaid.sms.outbox import GROUP_NEWS_PRIORITY, URGENT_NOTICE_PRIORITY, queue_sms

URGENT = URGENT_NOTICE_PRIORITY  # notify(..., priority=URGENT): invitations
GROUP_NEWS = GROUP_NEWS_PRIORITY  # the group formed, "is it done?": after replies

Message = Callable[[], str]


def phone_proven(person: Person) -> bool:
    """Has the number shown it is this person's? A web account's number only once a code
    sent to it came back (``phone_verified_at``); a phone-only person's by texting from it
    (or a coordinator recording their consent). Typed numbers get nothing before that."""
    return person.phone_verified_at is not None or person.password_hash is None


def gets_texts(person: Person) -> bool:
    return (
        bool(person.phone)
        and person.sms_preference in (SMS_PREF_NOTIFY, SMS_PREF_ONLY)
        and phone_proven(person)
    )


def notify(
    session: Session,
    person: Person,
    kind: str,
    web: Message,
    sms: Message | None = None,
    *,
    link: str = "",
    need: Need | None = None,
    pod: Pod | None = None,
    priority: int = 0,
) -> Notification:
    """Record a web notification and, for people who get texts, queue a text.

    ``web`` and ``sms`` are callables so they render in the recipient's language.
    """
    with in_language(person.language):
        web_text = web()
        sms_text = sms() if sms is not None else None
    note = Notification(
        person_id=person.id,
        kind=kind,
        text=web_text,
        link=link,
        need_id=need.id if need else None,
        pod_id=pod.id if pod else None,
    )
    session.add(note)
    if sms_text and gets_texts(person):
        send_text(session, person, sms_text, kind=kind, need=need, pod=pod, priority=priority)
    session.flush()
    return note


def send_text(
    session: Session,
    person: Person,
    body: str,
    *,
    kind: str,
    need: Need | None = None,
    pod: Pod | None = None,
    priority: int = 0,
) -> None:
    """Queue a text through the SMS outbox."""
    queue_sms(session, person, body, kind=kind, need=need, pod=pod, priority=priority)
