"""Response hardening for every page: security headers and no caching of personal pages.

The Content-Security-Policy allows only this site's own scripts, styles and images: the
templates carry no inline ``<script>``, ``<style>`` or ``style=``/``on*=`` attributes
(tests/security/test_headers.py checks that).
"""

from __future__ import annotations

from flask import Flask, Response, abort, request, session
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
        return response
