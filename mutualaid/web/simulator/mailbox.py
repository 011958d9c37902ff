"""The development mailbox, beside the SMS simulator: every email the outbox wrote, newest
first, with its links working (they point at PUBLIC_URL, or http://localhost:5000).
Guarded like the simulator (development: anyone logged in; production: admins only)."""

from __future__ import annotations

import re

from flask import abort, render_template, request
from markupsafe import Markup, escape
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import OutboundEmail
from mutualaid.web.simulator.blueprint import bp

_URL = re.compile(r"https?://[^\s<>\"']+")


def linkify(text: str) -> Markup:
    """The plain-text part, escaped, with its URLs as links."""
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(escape(text[last : match.start()]))
        url = match.group(0)
        out.append(Markup('<a href="{0}">{0}</a>').format(url))
        last = match.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)


@bp.route("/mailbox")
def mailbox():
    address = (request.args.get("to") or "").strip().lower()
    query = select(OutboundEmail).order_by(OutboundEmail.id.desc()).limit(50)
    if address:
        query = query.where(OutboundEmail.to_address == address)
    emails = db.session.scalars(query).all()
    return render_template("simulator/mailbox.html", emails=emails, address=address)


@bp.route("/mailbox/<int:email_id>")
def mailbox_email(email_id: int):
    row = db.session.get(OutboundEmail, email_id)
    if row is None:
        abort(404)
    return render_template("simulator/mailbox_email.html", email=row, body=linkify(row.body_text))
