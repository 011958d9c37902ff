"""Simulator views: show the conversation of one number, send a text as that number."""

from __future__ import annotations

import time
import uuid

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from twilio.request_validator import RequestValidator

from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.models import Person, SmsMessage
from mutualaid.models.messages import INBOUND
from mutualaid.phones import InvalidPhone, normalise_phone
from mutualaid.sms.gateway import sender_number
from mutualaid.web.simulator.blueprint import bp
from mutualaid.web.simulator.forms import SimulatedTextForm


@bp.before_request
@login_required
def _allowed():
    settings = current_app.config["MUTUALAID"]
    if settings.is_production and not current_user.is_admin:
        abort(403)


def conversation_of(number: str, limit: int = 200) -> list[SmsMessage]:
    """Every text from and to ``number``, oldest first."""
    rows = db.session.scalars(
        select(SmsMessage)
        .where(or_(SmsMessage.from_number == number, SmsMessage.to_number == number))
        .order_by(SmsMessage.id.desc())
        .limit(limit)
    ).all()
    return list(reversed(rows))


def recent_numbers(limit: int = 12) -> list[tuple[str, str]]:
    """(number, name) of people with a phone, most recent first, to pick from."""
    people = db.session.execute(
        select(Person.phone, Person.name)
        .where(Person.phone.is_not(None))
        .order_by(Person.id.desc())
        .limit(limit)
    ).all()
    return [(p.phone, p.name) for p in people]


def post_inbound(number: str, body: str) -> int:
    """Sign the text like Twilio does and POST it to /sms/inbound inside the app.

    Returns the webhook's HTTP status (200 when stored)."""
    settings = current_app.config["MUTUALAID"]
    path = url_for("sms_hooks.inbound")
    base = settings.public_url or "http://localhost"
    params = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": settings.twilio_account_sid or "ACsimulator",
        "From": number,
        "To": sender_number(settings) or "+15005550006",
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }
    signature = RequestValidator(settings.twilio_auth_token).compute_signature(base + path, params)
    # End this request's transaction first: SQLite has one writer and the webhook writes.
    db.session.commit()
    client = current_app.test_client()
    response = client.post(
        path, data=params, headers={"X-Twilio-Signature": signature}, base_url=base
    )
    if response.status_code == 200:
        wait_until_applied(params["MessageSid"])
    return response.status_code


def wait_until_applied(sid: str, seconds: float = 3.0) -> bool:
    """The worker applies texts after the webhook answers; wait (briefly) for it so the page
    shows the reply. False if the worker has not applied the text in ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        applied = db.session.scalar(
            select(SmsMessage.processed_at.is_not(None)).where(SmsMessage.provider_sid == sid)
        )
        db.session.rollback()  # the next look sees the worker's commit
        if applied or time.monotonic() >= deadline:
            return bool(applied)
        time.sleep(0.05)


def pending(messages: list[SmsMessage]) -> bool:
    """Is a text of this conversation still waiting for the worker?"""
    return any(m.direction == INBOUND and m.processed_at is None for m in messages)


@bp.route("/", methods=["GET", "POST"])
def phone():
    settings = current_app.config["MUTUALAID"]
    form = SimulatedTextForm(number=request.args.get("number", ""))
    number = None
    raw = request.args.get("number") or (form.number.data if form.is_submitted() else "")
    valid = form.validate_on_submit()  # first: validating resets the fields' errors
    if raw:
        try:
            number = normalise_phone(raw, settings.default_country)
        except InvalidPhone as exc:
            form.number.errors = [*form.number.errors, str(exc)]
    status = 200
    if valid and number:
        if not settings.twilio_auth_token:
            form.form_errors.append(
                _("Set TWILIO_AUTH_TOKEN (any value in development) so texts can be signed.")
            )
            status = 400
        else:
            code = post_inbound(number, form.body.data)
            if code == 200:
                return redirect(url_for("simulator.phone", number=number) + "#latest")
            flash(_("The inbound webhook answered %(code)s.", code=code), "error")
            status = 400
    elif form.is_submitted():
        status = 400
    messages = conversation_of(number) if number else []
    return render_template(
        "simulator/phone.html",
        form=form,
        number=number,
        messages=messages,
        pending=pending(messages),
        inbound=INBOUND,
        numbers=recent_numbers(),
    ), status
