"""The email outbox: ``queue_email`` is the ONE way the app sends an email.

It writes the row in the caller's transaction (flush, never commit) and asks for a dispatch
once that transaction commits (the after-commit hook in ``mutualaid.email.dispatcher``;
tasks carry row ids only). A rolled-back change sends nothing. The ``Message-ID`` is chosen
here, so every attempt to send the row carries the same one. An address that cannot be
written into a header is recorded as ``cancelled`` with the reason, never sent.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from mutualaid.email.compose import (
    BadAddress,
    address,
    clean_header,
    clean_text,
    new_message_id,
)
from mutualaid.models import OutboundEmail, Person, utcnow
from mutualaid.models.email import EMAIL_CANCELLED, EMAIL_QUEUED
from mutualaid.settings import Settings

PENDING_KEY = "email_outbox_pending"
# Claims take the highest priority first: account links (someone is waiting for them),
# then invitations, then everything else.
ACCOUNT_PRIORITY = 20
INVITATION_PRIORITY = 15
NOTICE_PRIORITY = 0


def _settings() -> Settings:
    settings: Settings = current_app.config["MUTUALAID"]  # set by create_app()
    return settings


def queue_email(
    session: Session,
    to: Person | str,
    subject: str,
    body_text: str,
    body_html: str = "",
    *,
    kind: str,
    category: str = "",
    unsubscribe_url: str = "",
    pod: object | None = None,
    need: object | None = None,
    priority: int = NOTICE_PRIORITY,
) -> OutboundEmail:
    """Record an outbound email in the caller's transaction; it is sent after commit.

    ``to`` is a person (their current address) or an address (an address change is
    confirmed at the new address before it is the person's). Texts must already be rendered
    in the recipient's language."""
    person = to if isinstance(to, Person) else None
    to_address = (person.email if person is not None else to) or ""
    settings = _settings()
    row = OutboundEmail(
        person_id=person.id if person is not None else None,
        to_address=clean_text(to_address)[:320],
        subject=clean_header(subject),
        body_text=clean_text(body_text),
        body_html=clean_text(body_html),
        kind=kind,
        category=category,
        message_id=new_message_id(settings.email_from),
        unsubscribe_url=unsubscribe_url,
        priority=priority,
        attempts=0,
        error_message="",
        pod_id=getattr(pod, "id", None),
        need_id=getattr(need, "id", None),
    )
    try:
        address(to_address)
    except BadAddress:
        row.status = EMAIL_CANCELLED
        row.error_message = "the address cannot be used"
    else:
        row.status = EMAIL_QUEUED
        row.next_attempt_at = utcnow()
    session.add(row)
    session.flush()
    if row.status == EMAIL_QUEUED:
        session.info.setdefault(PENDING_KEY, []).append(row.id)
    return row
