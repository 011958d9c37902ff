"""Reading the emails the outbox wrote, as a person reading their inbox would."""

from __future__ import annotations

import re

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import OutboundEmail

_LINK = re.compile(r"https?://[^\s]+")


def emails_to(address: str, kind: str | None = None) -> list[OutboundEmail]:
    db.session.expire_all()
    query = select(OutboundEmail).where(OutboundEmail.to_address == address)
    if kind:
        query = query.where(OutboundEmail.kind == kind)
    return list(db.session.scalars(query.order_by(OutboundEmail.id)))


def link_in(email: OutboundEmail, path: str) -> str:
    """The path (no host) of the first link in ``email`` containing ``path``."""
    for url in _LINK.findall(email.body_text):
        if path in url:
            return re.sub(r"^https?://[^/]+", "", url)
    raise AssertionError(f"no link with {path!r} in {email.body_text!r}")
