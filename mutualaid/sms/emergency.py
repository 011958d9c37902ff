"""Emergencies and requests in the coordinators' inbox (issue 18).

A text with signs of an emergency ("my mom fell", "can't breathe", "no puede respirar")
gets, at once and ahead of any other reply, a text with the emergency number
(``SMS_EMERGENCY_NUMBER``, 911 by default), and stays in the coordinators' inbox flagged
urgent (first in the queue) in addition to its normal handling. A text that reads as a
request for help is marked as such, so the SMS-pumping caps never silence it
(``compliance.block_reason``).
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from mutualaid.i18n import _
from mutualaid.models import Person, SmsMessage
from mutualaid.models.messages import KIND_REPLY
from mutualaid.sms import compliance
from mutualaid.sms import understand as u
from mutualaid.sms.flow_state import NEED_CATEGORY, NEED_WHERE, current
from mutualaid.sms.outbox import URGENT_NOTICE_PRIORITY, queue_sms


def mark(session: Session, person: Person, message: SmsMessage, reading: u.Reading) -> None:
    """After the text was handled: flag it (request, urgent) and send the emergency text.
    Runs under the person's language."""
    convo = current(session, person)
    asking = reading.asks_for_help or (
        convo is not None and convo.state in (NEED_CATEGORY, NEED_WHERE)
    )
    if asking:
        message.priority = max(message.priority or 0, compliance.INBOUND_REQUEST)
    if not reading.emergency:
        return
    message.priority = compliance.INBOUND_URGENT
    message.handled_at = None  # a coordinator sees it, whatever else was done with it
    number = current_app.config["MUTUALAID"].sms_emergency_number
    queue_sms(
        session,
        person,
        _(
            "If this is an emergency, call %(number)s now. We have also told our coordinators.",
            number=number,
        ),
        kind=KIND_REPLY,
        priority=URGENT_NOTICE_PRIORITY,
        asking_for_help=True,
    )
