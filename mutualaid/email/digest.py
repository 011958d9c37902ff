"""Group threads by email (issue 19): messages reach the members who chose email for
"group messages" as one digest per group at most every ``EMAIL_DIGEST_MINUTES``, never one
email per message. A bookmark per person and group (``email_digests``) records the last
message sent, so a digest never repeats one and a lost run loses nothing.

Called by the periodic job in ``mutualaid.jobs`` (once per tick across workers). Plain
functions on a session: they flush and never commit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.email import preferences
from mutualaid.email.links import absolute, unsubscribe_url
from mutualaid.email.notices import footer
from mutualaid.email.outbox import queue_email
from mutualaid.email.render import Action, Draft
from mutualaid.i18n import _, in_language
from mutualaid.models import EmailDigest, Person, Pod, PodMessage, utcnow
from mutualaid.models.email import CATEGORY_THREAD
from mutualaid.pods.thread import members, system_text
from mutualaid.pods.wording import pod_link

KIND_DIGEST = "thread_digest"
FIRST_LOOK_BACK = timedelta(days=1)  # a first digest covers at most the last day
MAX_MESSAGES = 50


def send_digests(session: Session, *, interval_minutes: int, now: datetime | None = None) -> int:
    """Queue the digests that are due; returns how many."""
    now = now or utcnow()
    recent = select(PodMessage.pod_id).where(PodMessage.created_at > now - FIRST_LOOK_BACK)
    pods = session.scalars(select(Pod).where(Pod.id.in_(recent)).order_by(Pod.id)).all()
    sent = 0
    for pod in pods:
        for person in members(session, pod):
            if _digest(session, pod, person, interval_minutes, now):
                sent += 1
    session.flush()
    return sent


def _digest(
    session: Session, pod: Pod, person: Person, interval_minutes: int, now: datetime
) -> bool:
    if not preferences.gets_email(person):
        return False
    if not preferences.wants_email(session, person, CATEGORY_THREAD):
        return False
    mark = session.get(EmailDigest, (person.id, pod.id))
    last_sent = mark.sent_at if mark is not None else None
    if last_sent is not None and now - last_sent < timedelta(minutes=interval_minutes):
        return False
    query = select(PodMessage).where(
        PodMessage.pod_id == pod.id,
        PodMessage.created_at <= now,
        (PodMessage.author_id.is_(None)) | (PodMessage.author_id != person.id),
    )
    if mark is not None:
        query = query.where(PodMessage.id > mark.last_message_id)
    else:
        query = query.where(PodMessage.created_at > now - FIRST_LOOK_BACK)
    messages = session.scalars(query.order_by(PodMessage.id).limit(MAX_MESSAGES)).all()
    if mark is None:
        mark = EmailDigest(person_id=person.id, pod_id=pod.id, last_message_id=0)
        session.add(mark)
    if not messages:
        return False
    mark.last_message_id = messages[-1].id
    mark.sent_at = now
    with in_language(person.language):
        lines = []
        for m in messages:
            author = session.get(Person, m.author_id) if m.author_id else None
            said = system_text(m.body) if author is None else m.body
            who = author.first_name if author is not None else "mutualaid"
            lines.append(f"{who}: {said}")
        email = Draft(
            _("New messages in group %(code)s", code=pod.code),
            [
                _("Here is what was said in group %(code)s since our last email:", code=pod.code),
                "\n".join(lines),
                _("Reply on the group's page; replies to this email are not read."),
            ],
            [Action(_("Open the group"), absolute(pod_link(pod)))],
            footer(person, CATEGORY_THREAD),
        ).render(person.first_name)
    queue_email(
        session, person, email.subject, email.text, email.html, kind=KIND_DIGEST,
        category=CATEGORY_THREAD, unsubscribe_url=unsubscribe_url(person.id, CATEGORY_THREAD),
        pod=pod, need=pod.need,
    )  # fmt: skip
    return True
