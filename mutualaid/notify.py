"""One way to tell a person something: a web notification, a text for people who get
texts, and an email for people with a confirmed address (issue 19). Every pod, need and
offer notice goes through ``notify``.

Texts and emails are rendered in the recipient's language; the SMS and email legs are
written to their outboxes in the caller's transaction (sent by the worker after commit), so
nothing is sent for a change that is rolled back. Which legs go out follows the person's
choice for the notice's category (``mutualaid.email.preferences``: text, email, both or
none); every kind has an email form (``mutualaid.email.notices``).
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from mutualaid.email import preferences
from mutualaid.email.links import unsubscribe_url
from mutualaid.email.notices import notice_email
from mutualaid.email.outbox import INVITATION_PRIORITY, NOTICE_PRIORITY, queue_email
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
    email: Message | None = None,
) -> Notification:
    """Record a web notification and queue a text and an email as the person gets them.

    ``web``, ``sms`` and ``email`` are callables so they render in the recipient's language;
    the email's text is ``email()`` if given, else the web text.
    """
    category = preferences.category_of(kind)
    with in_language(person.language):
        web_text = web()
        sms_text = sms() if sms is not None else None
        mail = None
        if preferences.gets_email(person) and preferences.wants_email(session, person, category):
            mail = notice_email(
                session, person, kind, category, email() if email else web_text,
                link=link, need=need, pod=pod,
            )  # fmt: skip
    note = Notification(
        person_id=person.id,
        kind=kind,
        text=web_text,
        link=link,
        need_id=need.id if need else None,
        pod_id=pod.id if pod else None,
    )
    session.add(note)
    if sms_text and gets_texts(person) and preferences.wants_text(session, person, category):
        send_text(session, person, sms_text, kind=kind, need=need, pod=pod, priority=priority)
    if mail is not None:
        queue_email(
            session, person, mail.subject, mail.text, mail.html, kind=kind, category=category,
            unsubscribe_url=unsubscribe_url(person.id, category), pod=pod, need=need,
            priority=INVITATION_PRIORITY if priority >= URGENT else NOTICE_PRIORITY,
        )  # fmt: skip
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
