"""Demo data for Coordinator Lee's morning (PRODUCT.md journey 4): two texts the parser
could not place, and a duplicate person (Sam Green texts from a phone-only record and was
also entered by email from a paper sign-up sheet, with no web login: a coordinator may merge
those two; a record that can log in is an admin's to merge). Idempotent."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.accounts import NewAccount, create_person, find_by_email, find_by_phone
from mutualaid.models import Person, SmsMessage, utcnow
from mutualaid.models.messages import INBOUND, SMS_RECEIVED
from mutualaid.sms.compliance import INBOUND_REQUEST, INBOUND_URGENT
from mutualaid.sms.understand import read

DEMO_NUMBER = "+15005550006"
TEXTS = [
    ("SMdemo01", "+17185550103", "my mom fell, can someone sit with her tmrw am?"),
    ("SMdemo02", "+17185550104", "ayuda con la renta? no se que hacer"),
]
DUPLICATE = ("Sam Green", "sam@demo.mutualaid.test")


def ensure_coordinator_morning(
    session: Session, passwords, password: str, echo: Callable[[str], None] = print
) -> None:
    for sid, number, body in TEXTS:
        if session.scalar(select(SmsMessage.id).where(SmsMessage.provider_sid == sid)):
            continue
        sender: Person | None = find_by_phone(session, number)
        reading = read(body)
        session.add(
            SmsMessage(
                direction=INBOUND,
                provider_sid=sid,
                from_number=number,
                to_number=DEMO_NUMBER,
                body=body,
                status=SMS_RECEIVED,
                kind="inbound",
                person_id=sender.id if sender else None,
                # Already processed: texts the worker left for a coordinator, so the SMS
                # sweep does not apply them again and empty the inbox (issue 18).
                processed_at=utcnow(),
                priority=INBOUND_URGENT
                if reading.emergency
                else INBOUND_REQUEST
                if reading.asks_for_help
                else 0,
            )
        )
        echo(f"  added an unplaced text from {number[-4:]}")
    name, email = DUPLICATE
    if find_by_email(session, email) is None:
        person = create_person(
            session, passwords, NewAccount(name=name, email=email, password=None)
        )
        phone_only = find_by_phone(session, "+17185550103")
        if phone_only is not None:
            person.home_area_id = phone_only.home_area_id
        echo(f"  added {name}'s email contact (a duplicate of the phone-only record)")
    session.flush()
