"""Webhook views: check the signature, call the domain function, commit once, answer fast.

The inbound webhook stores the text and hands it to the worker (mutualaid.sms.intake);
only STOP/START are applied in the request.

A request without a valid ``X-Twilio-Signature`` (HMAC-SHA1 with the auth token over
PUBLIC_URL + path, or the request URL when PUBLIC_URL is unset, plus the sorted form
fields) gets 403 and nothing is stored. Replies go through the outbox (recorded, capped,
opt-out checked), so the inbound answer is an empty TwiML ``<Response/>``.
"""

from __future__ import annotations

import hmac
import logging
from pathlib import Path
from typing import cast

from flask import Flask, Response, abort, current_app, request
from sqlalchemy import Engine, create_engine
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Session, scoped_session
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from mutualaid.extensions import csrf, db
from mutualaid.phones import sender_e164
from mutualaid.sms import compliance, spool
from mutualaid.sms.inbound import store_inbound
from mutualaid.sms.intake import enqueue_inbound, process_stored
from mutualaid.sms.outbox import apply_status_callback
from mutualaid.web.sms_hooks.blueprint import bp

log = logging.getLogger(__name__)


def _signed_url() -> str:
    settings = current_app.config["MUTUALAID"]
    if settings.public_url:
        url = settings.public_url + request.path
        if request.query_string:
            url += "?" + request.query_string.decode("latin-1")
        return url
    return request.url


def _require_signature() -> None:
    settings = current_app.config["MUTUALAID"]
    signature = request.headers.get("X-Twilio-Signature", "")
    token = settings.twilio_auth_token
    if not token or not signature:
        abort(403)
    validator = RequestValidator(token)
    url, params = _signed_url(), request.form.to_dict(flat=True)
    # The common case in one HMAC: signed over exactly this URL. Otherwise the library's
    # check, which also tries the URL with and without its port.
    expected = validator.compute_signature(url, params).encode()
    if hmac.compare_digest(expected, signature.encode("latin-1", "replace")):
        return
    if not validator.validate(url, params, signature):
        log.warning("rejected webhook with a bad signature for %s", request.path)
        abort(403)


def _scoped() -> scoped_session[Session]:
    """``db.session`` as what it is: extensions.py types it as a plain Session."""
    return cast("scoped_session[Session]", db.session)


def _begin_writing() -> None:
    """On SQLite, take the write lock when the transaction begins: these requests read then
    write, and a deferred transaction cannot become a writer once another request (a status
    callback, the worker) has committed in between ("database is locked")."""
    if db.engine.dialect.name == "sqlite" and not _scoped()().in_transaction():
        db.session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


_EMPTY_TWIML = str(MessagingResponse())


def _twiml(body: str = "") -> Response:
    return Response(body or _EMPTY_TWIML, mimetype="application/xml")


def _int(value: str | None, default: int) -> int:
    """A numeric form field; missing, malformed or beyond an integer column -> default."""
    try:
        number = int(value) if value not in (None, "") else default
    except ValueError:
        return default
    return number if -(2**31) <= number < 2**31 else default


# STOP and START words are applied in the request, so an opt-out holds before we answer (and
# an opt-in at once); they are rare. HELP, and YES/SI (a START only from an opted-out
# number, otherwise often an answer to an invitation), are applied by the worker, in order.
_KEYWORD_WORDS = compliance.OPT_OUT_WORDS | compliance.OPT_IN_WORDS


def _autocommit_engine() -> Engine | None:
    """PostgreSQL: this process's engine for the webhook's one INSERT. Autocommit (the
    statement commits itself: one round trip, no BEGIN/COMMIT) and no pre-ping (a stale
    connection fails the statement instead; it is retried once on a fresh one). None on
    SQLite, and when the session is bound to a test's connection (tests/conftest.py)."""
    if _scoped().session_factory.kw.get("bind") is not None:
        return None
    engine = current_app.extensions.get("sms_inbound_engine")
    if engine is None:
        if db.engine.dialect.name != "postgresql":
            return None
        engine = create_engine(
            db.engine.url, isolation_level="AUTOCOMMIT", pool_pre_ping=False, pool_size=4
        )
        engine = current_app.extensions.setdefault("sms_inbound_engine", engine)
    return engine


def dispose_inbound_engine(app: Flask) -> None:
    """Close the webhook engine's connections (tests and scripts that drop their database)."""
    engine = app.extensions.pop("sms_inbound_engine", None)
    if engine is not None:
        engine.dispose()


def _store(**fields) -> int | None:
    """Store the text durably; its id, or None for a duplicate MessageSid."""
    engine = _autocommit_engine()
    if engine is not None:
        for attempt in (1, 2):
            try:
                with engine.connect() as conn:
                    return store_inbound(conn, **fields)
            except DBAPIError as exc:
                # A connection the database dropped (restart, idle timeout): the pool is
                # invalidated; try once more. If the lost statement had committed, the retry
                # is a duplicate (None, no task) and the sweep applies the text.
                if not exc.connection_invalidated or attempt == 2:
                    raise
    _begin_writing()
    message_id = store_inbound(db.session, **fields)
    db.session.commit()
    return message_id


def _maybe_keyword(body: str) -> bool:
    return len(body) <= 40 and compliance.keyword_of(body) in _KEYWORD_WORDS


@bp.post("/inbound")
@csrf.exempt
def inbound():
    """Store the text (one INSERT, once per MessageSid), commit, hand it to the worker.
    STOP/START are applied here before answering; a duplicate delivery does nothing."""
    _require_signature()
    form = request.form
    sid = (form.get("MessageSid") or form.get("SmsSid") or "").strip()
    raw_from = (form.get("From") or "").strip()
    if not sid or not raw_from:
        abort(400, "MessageSid and From are required.")
    country = current_app.config["MUTUALAID"].default_country
    # Letters are never read as keypad digits: "212PUMPING" is an alphanumeric sender, not
    # +1 212 786 7464. Short codes and odd senders are recorded as sent; the worker never
    # answers them (sms/apply.py).
    from_number = sender_e164(raw_from, country) or raw_from[:20]
    body = form.get("Body") or ""
    fields = {
        "sid": sid[:64],
        "from_number": from_number,
        "to_number": (form.get("To") or "").strip(),
        "body": body,
        "num_media": _int(form.get("NumMedia"), 0),
        "num_segments": _int(form.get("NumSegments"), 1),
    }
    try:
        message_id = _store(**fields)
    except (OperationalError, InterfaceError) as exc:
        # The database is down: keep the text on local disk and answer 200, so it is not
        # lost and Twilio does not give up; the minute sweep stores it (sms/spool.py).
        db.session.rollback()
        spool.spool(Path(current_app.config["MUTUALAID"].sms_spool_dir), fields)
        log.warning("database unavailable (%s); inbound text %s spooled", type(exc).__name__, sid)
        return _twiml()
    if message_id is not None:
        if _maybe_keyword(body):
            try:
                process_stored(message_id)  # in order after any older text of this number
            except Exception:  # stored: the worker (or the sweep) applies it
                log.exception("inbound keyword text %s not applied in the request", message_id)
                db.session.rollback()
                enqueue_inbound(message_id)
        else:
            enqueue_inbound(message_id)
    return _twiml()


@bp.post("/status")
@csrf.exempt
def status():
    _require_signature()
    sid = (request.form.get("MessageSid") or request.form.get("SmsSid") or "").strip()
    state = (request.form.get("MessageStatus") or request.form.get("SmsStatus") or "").strip()
    if not sid or not state:
        abort(400, "MessageSid and MessageStatus are required.")
    code = _int(request.form.get("ErrorCode"), 0) or None
    _begin_writing()
    apply_status_callback(db.session, sid[:64], state, code)
    db.session.commit()
    return Response("", status=204)
