from __future__ import annotations

from flask import jsonify, render_template
from sqlalchemy import text

from mutualaid.extensions import db
from mutualaid.queue import queue_state
from mutualaid.web.main import bp


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
