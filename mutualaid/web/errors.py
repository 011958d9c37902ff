"""Error pages (HTML) and problem documents (JSON), never a bare 500 trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, make_response, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException, InternalServerError

from mutualaid.extensions import db
from mutualaid.i18n import _, _l
from mutualaid.web.access import wants_json

log = logging.getLogger(__name__)

TITLES = {
    400: _l("That request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("We could not find that page"),
    405: _l("That action is not allowed here"),
    413: _l("That upload is too large"),
    429: _l("Too many requests; please wait a moment"),
    500: _l("Something went wrong on our side"),
    503: _l("The service is briefly unavailable"),
}


def _render(code: int, detail: str = "") -> Response:
    title = str(TITLES.get(code, _("Error")))
    if wants_json():
        body = {"type": "about:blank", "title": title, "status": code}
        if detail:
            body["detail"] = detail
        response = jsonify(body)
        response.status_code = code
        response.mimetype = "application/problem+json"
        return response
    html = render_template("errors/error.html", code=code, title=title, detail=detail)
    return make_response(html, code)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _render(
            400, _("The form expired or was sent from elsewhere. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        code = exc.code or 500
        # Only descriptions we wrote (translated) are shown, not werkzeug's English defaults.
        custom = exc.description != type(exc).description
        return _render(code, str(exc.description) if custom and code not in (404, 500) else "")

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        try:
            db.session.rollback()
        except Exception:  # the connection may be gone; the pool replaces it
            log.warning("rollback after error failed", exc_info=True)
        if isinstance(exc, DBAPIError) and exc.connection_invalidated:
            log.warning("database unreachable: %s", exc.orig)
            response = _render(503, _("The database is briefly unavailable. Try again shortly."))
            response.headers["Retry-After"] = "5"
            return response
        log.exception("unhandled error")
        return _render(InternalServerError.code)
