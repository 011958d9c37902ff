from __future__ import annotations

from flask import jsonify, make_response, redirect, render_template, request
from flask_login import current_user
from sqlalchemy import text

from mutualaid.extensions import db
from mutualaid.i18n import LANG_COOKIE, LANGUAGE_NAMES
from mutualaid.queue import queue_state
from mutualaid.web.access import safe_next
from mutualaid.web.main.blueprint import bp


@bp.route("/")
def home():
    return render_template("main/home.html")


@bp.route("/healthz")
def healthz():
    """Database and queue state; 200 when both answer, 503 otherwise (load balancers)."""
    database: dict[str, object]
    try:
        db.session.execute(text("SELECT 1"))
        database = {"ok": True, "dialect": db.engine.dialect.name}
    except Exception as exc:  # any failure to reach the database is "unhealthy"
        db.session.rollback()
        database = {"ok": False, "error": type(exc).__name__}
    queue = queue_state()
    healthy = bool(database["ok"] and queue["ok"])
    body = {"status": "ok" if healthy else "unavailable", "database": database, "queue": queue}
    return jsonify(body), 200 if healthy else 503


@bp.route("/language", methods=["POST"])
def set_language():
    """The footer switcher: remembers the choice in a cookie and, for a logged-in person,
    in their profile (so texts and notices follow it too)."""
    code = request.form.get("lang", "")
    target = safe_next(request.form.get("next")) or "/"
    response = make_response(redirect(target, 303))
    if code in LANGUAGE_NAMES:
        response.set_cookie(
            LANG_COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True
        )
        if current_user.is_authenticated and current_user.language != code:
            current_user.language = code
            db.session.commit()
    return response
