"""Issue 16, finding 11: web sessions the server can end.

A copied session cookie must stop working after log-out, "log out everywhere" and a password
change must end every other session, and sessions end after the idle and absolute limits.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from mutualaid import accounts
from mutualaid.extensions import db
from mutualaid.models import utcnow
from mutualaid.models.audit import RevokedSession
from tests.conftest import login_as, text_of
from tests.factories import PASSWORD

PROFILE = "/account/profile"


def _log_in(app, person):
    client = app.test_client()
    response = client.submit("/auth/login", {"email": person.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(PROFILE).status_code == 200
    return client


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _replay(app, value: str):
    """A fresh browser that was handed a copy of the cookie."""
    thief = app.test_client()
    thief.set_cookie("session", value)
    return thief


def test_a_cookie_replayed_after_log_out_no_longer_works(app, neighbor):
    client = _log_in(app, neighbor)
    copied = _cookie(client)
    assert _replay(app, copied).get(PROFILE).status_code == 200  # the copy works until...
    assert client.submit("/auth/logout").status_code == 302
    assert client.get(PROFILE).status_code == 302
    replayed = _replay(app, copied).get(PROFILE)
    assert replayed.status_code == 302 and "/auth/login" in replayed.headers["Location"]


def test_plain_log_out_leaves_other_devices_logged_in(app, neighbor):
    phone, laptop = _log_in(app, neighbor), _log_in(app, neighbor)
    phone.submit("/auth/logout")
    assert laptop.get(PROFILE).status_code == 200


def test_log_out_everywhere_ends_every_session(app, neighbor):
    phone, laptop = _log_in(app, neighbor), _log_in(app, neighbor)
    assert 'value="Log out everywhere"' in laptop.get(PROFILE).get_data(as_text=True)
    response = laptop.submit("/auth/logout-everywhere")
    assert response.status_code == 303
    assert laptop.get(PROFILE).status_code == 302
    assert phone.get(PROFILE).status_code == 302
    assert _log_in(app, neighbor).get(PROFILE).status_code == 200  # a new log-in works


def test_changing_the_password_ends_other_sessions_but_not_this_one(app, neighbor):
    phone, laptop = _log_in(app, neighbor), _log_in(app, neighbor)
    new = "another long passphrase"
    form = {"pw-current": PASSWORD, "pw-new": new, "pw-confirm": new, "pw-change": "1"}
    response = laptop.submit("/account/password", form)
    assert response.status_code == 303
    assert laptop.get(PROFILE).status_code == 200
    assert phone.get(PROFILE).status_code == 302
    db.session.refresh(neighbor)
    assert app.extensions["passwords"].verify(neighbor.password_hash, new)


def test_a_wrong_current_password_changes_nothing(app, neighbor):
    client = _log_in(app, neighbor)
    before = neighbor.password_hash
    form = {"pw-current": "not my password", "pw-new": "x" * 12, "pw-confirm": "x" * 12}
    response = client.submit("/account/password", form)
    assert response.status_code == 400
    assert "not your current password" in response.get_data(as_text=True)
    db.session.refresh(neighbor)
    assert neighbor.password_hash == before and neighbor.session_epoch == 0


def test_an_idle_session_ends(app, neighbor):
    client = _log_in(app, neighbor)
    idle = app.config["MUTUALAID"].session_idle_minutes * 60
    with client.session_transaction() as sess:
        sess["_seen"] -= idle + 1
    response = client.get(PROFILE)
    assert response.status_code == 302
    assert "Your session has ended" in text_of(client.get("/auth/login"))


def test_a_busy_session_still_ends_after_the_maximum(app, neighbor):
    client = _log_in(app, neighbor)
    longest = app.config["MUTUALAID"].session_max_hours * 3600
    with client.session_transaction() as sess:
        sess["_started"] -= longest + 1  # used a minute ago, but started too long ago
    assert client.get(PROFILE).status_code == 302


def test_old_sessions_without_a_stamp_end_once_the_epoch_moves(app, neighbor):
    client = login_as(app.test_client(), neighbor)  # a cookie from before issue 16
    assert client.get(PROFILE).status_code == 200  # adopted while the epoch is 0
    stale = login_as(app.test_client(), neighbor)
    accounts.end_all_sessions(db.session, neighbor)
    db.session.commit()
    assert stale.get(PROFILE).status_code == 302
    assert client.get(PROFILE).status_code == 302


def test_the_session_limits_are_settings(app):
    from mutualaid.settings import Settings

    settings = Settings.from_env({"SESSION_IDLE_MINUTES": "15", "SESSION_MAX_HOURS": "24"})
    assert (settings.session_idle_minutes, settings.session_max_hours) == (15, 24)
    defaults = Settings.from_env({})
    assert (defaults.session_idle_minutes, defaults.session_max_hours) == (120, 720)
    assert defaults.as_flask_config()["PERMANENT_SESSION_LIFETIME"] == timedelta(hours=720)


def test_revoked_session_ids_are_pruned_when_they_expire(app, neighbor):
    now = utcnow()
    accounts.revoke_session(db.session, neighbor.id, "old", now - timedelta(minutes=1), now)
    accounts.revoke_session(db.session, neighbor.id, "new", now + timedelta(hours=1), now)
    sids = set(db.session.scalars(select(RevokedSession.sid)))
    assert sids == {"new"}
    assert db.session.scalar(select(func.count()).select_from(RevokedSession)) == 1
