"""Response hardening for every page: security headers and no caching of personal pages.

The Content-Security-Policy allows only this site's own scripts, styles and images: the
templates carry no inline ``<script>``, ``<style>`` or ``style=``/``on*=`` attributes
(tests/security/test_headers.py checks that).
"""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request, session
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from mutualaid.i18n import _

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def csp_with_images(*sources: str) -> str:
    """The site's CSP with more image sources (the map's tile server) and nothing else."""
    return CSP.replace("img-src 'self' data:", " ".join(("img-src 'self' data:", *sources)))


HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


# The API's answers are somebody's data, or about their token: never cached, except the
# published description of the API itself.
API_PREFIX = "/api/"
PUBLIC_API_PATHS = frozenset({"/api/v1/openapi.json", "/api/v1/docs"})


MAX_DB_INT = 2**31 - 1  # PostgreSQL integer columns; larger ids raise instead of "not found"


class BoundedIntConverter(IntegerConverter):
    """``<int:id>`` in URLs, limited to what an id column can hold: /pods/99999999999 is a
    404 like any unknown id, not a 500 from PostgreSQL ("integer out of range"). Ids past
    the limit become 0, which matches no row, so the route (and its methods) still match."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_DB_INT else 0


def form_id(value: int | None) -> int:
    """An id read from a form, or 0 (matches nothing) when missing or out of range."""
    return value if value is not None and 0 < value <= MAX_DB_INT else 0


def has_nul(values) -> bool:
    """NUL bytes cannot be stored by PostgreSQL text columns and no keyboard types them."""
    return any("\x00" in v for key in values for v in values.getlist(key)) or any(
        "\x00" in key for key in values
    )


def init_security(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_bytes() -> None:
        if has_nul(request.args) or (request.method == "POST" and has_nul(request.form)):
            abort(
                400,
                description=_(
                    "Your text contains an invisible control character we cannot store. "
                    "Remove it (retype the text rather than pasting it) and try again."
                ),
            )

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if app.config["MUTUALAID"].is_production:
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        # Pages for a signed-in person may hold addresses and phone numbers: never cache.
        # (Read from the signed session, not current_user: loading the person needs the
        # database, which may be the thing that just failed.)
        cache = response.headers.get("Cache-Control", "")
        if request.endpoint != "static" and session.get("_user_id") and "no-store" not in cache:
            response.headers["Cache-Control"] = "private, no-store"
        if request.path.startswith(API_PREFIX) and request.path not in PUBLIC_API_PATHS:
            response.headers["Cache-Control"] = "no-store"
        if response.status_code == 405 and "Allow" not in response.headers:
            _allow(response)
        return response


def _allow(response: Response) -> None:
    """RFC 9110: a 405 names the methods the resource does support (TRACE, PATCH on a page
    that only reads...). The error page handler drops werkzeug's own header."""
    try:
        adapter = current_app.create_url_adapter(request)
        methods = adapter.allowed_methods() if adapter is not None else []
    except HTTPException:
        methods = []
    if methods:
        response.headers["Allow"] = ", ".join(sorted(methods))
