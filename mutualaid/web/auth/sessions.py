"""Web sessions that the server can end (issue 16).

Flask keeps the session in a signed cookie, so by itself a copied cookie works until its
signature expires. Each log-in therefore stores in the session:

- ``_sid``: a random id; log-out records it in ``revoked_sessions``, so that cookie is
  refused afterwards even if someone kept a copy;
- ``_epoch``: the person's ``session_epoch``; "log out everywhere" and a password change bump
  it, which ends every session issued before;
- ``_started`` / ``_seen``: when it began and was last used (Unix seconds), for the absolute
  (``SESSION_MAX_HOURS``) and idle (``SESSION_IDLE_MINUTES``) limits.

``check_session`` runs before every request and turns a session that fails any of these
into an anonymous one. Sessions from before issue 16 (no ``_sid``) are stamped on first use
while their person's epoch is still 0; once the epoch moves they are refused.
"""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta

from flask import current_app, flash, request, session
from flask_login import logout_user

from mutualaid import accounts
from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.models import Person
from mutualaid.settings import Settings
from mutualaid.web.auth.blueprint import bp

SID, EPOCH, STARTED, SEEN = "_sid", "_epoch", "_started", "_seen"
SEEN_RESOLUTION = 60  # seconds: ``_seen`` moves at most once a minute (fewer new cookies)


def _settings() -> Settings:
    return current_app.config["MUTUALAID"]


def start(person: Person) -> None:
    """Stamp the session of a person who just logged in (call after ``login_user``)."""
    now = int(time.time())
    session[SID] = secrets.token_urlsafe(32)
    session[EPOCH] = person.session_epoch
    session[STARTED] = session[SEEN] = now


def _forget() -> None:
    logout_user()
    for key in (SID, EPOCH, STARTED, SEEN):
        session.pop(key, None)


def end(person_id: int) -> None:
    """Plain log-out: this session's cookie stops working; other devices stay logged in."""
    sid = session.get(SID)
    if sid:
        started = session.get(STARTED) or int(time.time())
        ends = datetime.fromtimestamp(started, UTC) + timedelta(hours=_settings().session_max_hours)
        accounts.revoke_session(db.session, person_id, sid, ends)
    _forget()


def end_everywhere(person: Person) -> None:
    """Log out on every device, this one included."""
    accounts.end_all_sessions(db.session, person)
    _forget()


def _valid(person: Person | None, now: int) -> bool:
    settings = _settings()
    if person is None or session.get(EPOCH) != person.session_epoch:
        return False
    if now - int(session.get(SEEN) or 0) > settings.session_idle_minutes * 60:
        return False
    if now - int(session.get(STARTED) or 0) > settings.session_max_hours * 3600:
        return False
    return not accounts.session_revoked(db.session, str(session.get(SID)))


@bp.before_app_request
def check_session() -> None:
    # The API never reads cookies; static files need no person.
    if request.endpoint == "static" or request.blueprint == "api":
        return
    user_id = session.get("_user_id")
    if not user_id:
        return
    try:
        person = db.session.get(Person, int(user_id))
    except ValueError:
        person = None
    now = int(time.time())
    if SID not in session and person is not None and person.session_epoch == 0:
        start(person)  # a session from before issue 16: adopted once
        return
    if not _valid(person, now):
        _forget()
        flash(_("Your session has ended. Please log in again."), "info")
        return
    if now - int(session.get(SEEN) or 0) >= SEEN_RESOLUTION:
        session[SEEN] = now
