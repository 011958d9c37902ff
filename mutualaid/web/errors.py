"""Error pages (HTML) and problem documents (JSON), never a bare 500 trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, current_app, jsonify, make_response, render_template
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
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


UNAVAILABLE_EN = "The database is briefly unavailable. Try again shortly."


def database_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached right now (restarting, refusing connections, the pool
    exhausted while it recovers): a retryable 503, not a bug."""
    if isinstance(exc, PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and (
        exc.connection_invalidated or isinstance(exc, (OperationalError, InterfaceError))
    )


def _unavailable() -> Response:
    """503 without touching the database: no context processors, no user lookup (both would
    query the database that is down); translated when the language is known without it."""
    try:
        title, detail, home = str(TITLES[503]), _(UNAVAILABLE_EN), _("Back to the home page")
    except Exception:  # the locale needs the signed-in person, who needs the database
        title, detail = "The service is briefly unavailable", UNAVAILABLE_EN
        home = "Back to the home page"
    if wants_json():
        response = jsonify({"type": "about:blank", "title": title, "status": 503, "detail": detail})
        response.mimetype = "application/problem+json"
    else:
        html = current_app.jinja_env.get_template("errors/unavailable.html").render(
            title=title, detail=detail, home=home
        )
        response = make_response(html)
    response.status_code = 503
    response.headers["Retry-After"] = "5"
    return response


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
        if database_unavailable(exc):
            log.warning("database unreachable: %s", getattr(exc, "orig", exc))
            return _unavailable()
        log.exception("unhandled error")
        try:
            return _render(InternalServerError.code)
        except Exception:  # rendering the page failed too: answer without the templates
            log.exception("error page failed")
            return Response("Something went wrong on our side.", status=500, mimetype="text/plain")
