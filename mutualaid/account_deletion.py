"""Delete my account (issue 19): the person leaves the platform with their personal data
erased. Plain functions on a session: they flush and never commit.

What happens, in order (docs/privacy.md lists it column by column):

1. their open needs are cancelled (the helpers are told) and their pod seats freed with
   backfill (the pod invites someone else); open invitations to them are declined;
2. their offers are removed;
3. what they wrote is redacted: the bodies of their texts (both directions), their group
   thread messages, checklist items, feedback notes, membership notes; the details and
   address of their needs; their name in the groups' system lines;
4. their row keeps only what the metrics need (id, role, created_at, home area): name
   becomes "Someone", email, phone, password, notes, address and coordinates are erased,
   and ``deleted_at`` is set (they cannot log in; sessions end);
5. their notifications, tokens, preferences, conversations, phone codes and API tokens are
   deleted, and queued emails and texts to them cancelled;
6. one audit event ``person.deleted`` records it, with no personal data.

A last email ("your account was deleted") is queued to the old address; it is not linked to
the person, and its address is erased once it is sent (mutualaid.email.dispatcher).
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from mutualaid.accounts import AccountError, end_all_sessions
from mutualaid.audit import record_audit
from mutualaid.email.outbox import ACCOUNT_PRIORITY, queue_email
from mutualaid.email.render import Draft
from mutualaid.i18n import _, in_language
from mutualaid.models import (
    AccountToken,
    ApiToken,
    ChecklistItem,
    Conversation,
    EmailDigest,
    GeocodeCache,
    Membership,
    Need,
    NoticePreference,
    Notification,
    Offer,
    OutboundEmail,
    Person,
    Pod,
    PodFeedback,
    PodMessage,
    SmsMessage,
    utcnow,
)
from mutualaid.models.email import EMAIL_CANCELLED, EMAIL_QUEUED
from mutualaid.models.messages import SMS_CANCELLED, SMS_QUEUED
from mutualaid.models.offers import OFFER_DELETED
from mutualaid.models.people import CONSENT_NONE, ROLE_ADMIN, SMS_PREF_NONE, PhoneVerification
from mutualaid.models.pods import ACCEPTED, INVITED, MEMBER_HELPER
from mutualaid.needs import cancel_need
from mutualaid.offers import delete_offer
from mutualaid.passwords import Passwords
from mutualaid.pods.formation import PodError
from mutualaid.pods.lifecycle import leave
from mutualaid.pods.seating import decline

ERASED = "[erased]"
DELETED_NAME = "Someone"
KIND_ACCOUNT_DELETED = "account_deleted"


def check_deletable(session: Session, person: Person) -> None:
    """The last admin cannot leave: someone must be able to run the platform."""
    if person.role == ROLE_ADMIN:
        admins = session.scalar(
            select(func.count(Person.id)).where(
                Person.role == ROLE_ADMIN, Person.deleted_at.is_(None)
            )
        )
        if (admins or 0) <= 1:
            raise AccountError(
                _("You are the last admin. Make someone else an admin first."), "password"
            )


def delete_account(
    session: Session,
    passwords: Passwords,
    person: Person,
    password: str,
    *,
    now: datetime | None = None,
) -> None:
    """Delete ``person``'s account after checking their password (see the module doc)."""
    if person.password_hash and not passwords.verify(person.password_hash, password or ""):
        raise AccountError(_("That is not your current password."), "password")
    erase_person(session, person, now=now)


def erase_person(session: Session, person: Person, *, now: datetime | None = None) -> None:
    now = now or utcnow()
    check_deletable(session, person)
    if person.deleted_at is not None:
        return
    old_email, language = person.email, person.language
    first_name = person.first_name
    strings = _personal_strings(session, person)
    # 1. What others depend on goes first, while the person is still whole.
    person.name = DELETED_NAME  # system lines written from here on say "Someone"
    for need in session.scalars(select(Need).where(Need.requester_id == person.id)).all():
        if need.is_active:
            cancel_need(session, need, now, actor=person)
    memberships = session.scalars(
        select(Membership).where(
            Membership.person_id == person.id, Membership.status.in_((ACCEPTED, INVITED))
        )
    ).all()
    for m in memberships:
        pod = session.get(Pod, m.pod_id)
        assert pod is not None
        try:
            if m.status == INVITED:
                decline(session, pod, person, now=now)
            elif m.role == MEMBER_HELPER:
                leave(session, pod, person, reason="account deleted", now=now)
        except PodError:  # a closed pod: nothing to free
            pass
    # 2. Offers.
    for offer in session.scalars(
        select(Offer).where(Offer.helper_id == person.id, Offer.status != OFFER_DELETED)
    ).all():
        delete_offer(session, offer, now)
    _redact_written(session, person, first_name, strings)
    _redact_row(session, person, now)
    _delete_private_rows(session, person)
    record_audit(session, None, "person.deleted", person)
    if old_email:
        with in_language(language):
            email = Draft(
                _("Your mutualaid account was deleted"),
                [
                    _("Your account and your personal data have been deleted, as you asked. "
                      "Thank you for helping your neighbors."),
                    _("We will not write to this address again."),
                ],
            ).render()  # fmt: skip
        queue_email(
            session, old_email, email.subject, email.text, email.html,
            kind=KIND_ACCOUNT_DELETED, priority=ACCOUNT_PRIORITY,
        )  # fmt: skip
    session.flush()


def _personal_strings(session: Session, person: Person) -> list[str]:
    """Strings that identify the person (searched for in free text they did not write)."""
    out = [person.name or "", person.email or "", person.phone or "", person.address_text or ""]
    return [s for s in out if len(s) >= 4]


def _redact_written(session: Session, person: Person, first_name: str, strings: list[str]) -> None:
    pod_ids = select(Membership.pod_id).where(Membership.person_id == person.id)
    need_ids = select(Need.id).where(Need.requester_id == person.id)
    requester_pods = select(Pod.id).where(Pod.need_id.in_(need_ids))
    session.execute(
        update(PodMessage).where(PodMessage.author_id == person.id).values(body=ERASED)
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    # System lines in their groups name them ("Maria joined the pod."): their name goes.
    word = re.compile(rf"\b{re.escape(first_name)}\b") if first_name else None

    def scrub(text: str) -> str:
        for s in strings:
            text = text.replace(s, DELETED_NAME)
        return word.sub(DELETED_NAME, text) if word is not None else text

    # What others were told about them in those groups ("Maria is coming to help") too.
    in_their_pods = or_(PodMessage.pod_id.in_(pod_ids), PodMessage.pod_id.in_(requester_pods))
    for line in session.scalars(select(PodMessage).where(in_their_pods)).all():
        line.body = scrub(line.body)
    for note in session.scalars(
        select(Notification).where(
            or_(Notification.pod_id.in_(pod_ids), Notification.pod_id.in_(requester_pods))
        )
    ).all():
        note.text = scrub(note.text)
    for sms in session.scalars(
        select(SmsMessage).where(
            or_(SmsMessage.pod_id.in_(pod_ids), SmsMessage.pod_id.in_(requester_pods))
        )
    ).all():
        sms.body = scrub(sms.body)
    for mail in session.scalars(
        select(OutboundEmail).where(
            or_(OutboundEmail.pod_id.in_(pod_ids), OutboundEmail.pod_id.in_(requester_pods))
        )
    ).all():
        mail.subject = scrub(mail.subject)
        mail.body_text = scrub(mail.body_text)
        mail.body_html = scrub(mail.body_html)
    session.execute(
        update(ChecklistItem)
        .where(
            or_(ChecklistItem.created_by_id == person.id, ChecklistItem.pod_id.in_(requester_pods))
        )
        .values(text=ERASED)
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(PodFeedback).where(PodFeedback.person_id == person.id).values(note="")
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    session.execute(
        update(Membership).where(Membership.person_id == person.id).values(note="")
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    for need in session.scalars(select(Need).where(Need.requester_id == person.id)).all():
        need.details = ""
        need.address_text = ""
        need.lat = need.lng = None
        need.unmatched_reason = ""
    for offer in session.scalars(select(Offer).where(Offer.helper_id == person.id)).all():
        offer.notes = ""
        offer.address_text = ""
        offer.lat = offer.lng = None
    phone = person.phone
    texts = or_(SmsMessage.person_id == person.id, *(
        [SmsMessage.from_number == phone, SmsMessage.to_number == phone] if phone else []
    ))  # fmt: skip
    session.execute(
        update(SmsMessage).where(texts, SmsMessage.status == SMS_QUEUED)
        .values(status=SMS_CANCELLED, error_message="account deleted")
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    session.execute(
        update(SmsMessage).where(texts).values(body=ERASED, from_number="", to_number="")
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    emails = OutboundEmail.person_id == person.id
    session.execute(
        update(OutboundEmail).where(emails, OutboundEmail.status == EMAIL_QUEUED)
        .values(status=EMAIL_CANCELLED, error_message="account deleted")
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    session.execute(
        update(OutboundEmail).where(emails)
        .values(to_address="", subject=ERASED, body_text=ERASED, body_html="", unsubscribe_url="")
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    address_queries = [s.strip().lower() for s in (person.address_text,) if s and s.strip()]
    if address_queries:
        session.execute(
            delete(GeocodeCache).where(func.lower(GeocodeCache.query).in_(address_queries))
        )


def _redact_row(session: Session, person: Person, now: datetime) -> None:
    person.name = DELETED_NAME
    person.email = None
    person.email_verified_at = None
    person.phone = None
    person.phone_verified_at = None
    person.password_hash = None
    person.notes = ""
    person.address_text = ""
    person.lat = person.lng = None
    person.public_lat = person.public_lng = None
    person.sms_preference = SMS_PREF_NONE
    person.sms_consent = CONSENT_NONE
    person.sms_consent_at = person.sms_opted_out_at = None
    person.deleted_at = now
    person.suspended_at = person.suspended_at or now  # cannot log in
    end_all_sessions(session, person)


def _delete_private_rows(session: Session, person: Person) -> None:
    session.execute(delete(Notification).where(Notification.person_id == person.id))
    session.execute(delete(AccountToken).where(AccountToken.person_id == person.id))
    session.execute(delete(NoticePreference).where(NoticePreference.person_id == person.id))
    session.execute(delete(EmailDigest).where(EmailDigest.person_id == person.id))
    session.execute(delete(Conversation).where(Conversation.person_id == person.id))
    session.execute(delete(PhoneVerification).where(PhoneVerification.person_id == person.id))
    session.execute(delete(ApiToken).where(ApiToken.person_id == person.id))
