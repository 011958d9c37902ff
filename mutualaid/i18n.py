"""Languages: English and Spanish, chosen per person.

Web: the person's profile language, else the ``lang`` cookie set by the footer switcher,
else the browser's Accept-Language, else English. SMS and jobs render in the recipient's
language with ``in_language(code)``. Mark every user-visible string with ``_`` (now) or
``_l`` (lazy: module-level constants, form labels).

Formatting for the locale (template filters registered by :func:`init_i18n`):
``when`` / ``when_short`` / ``day`` (format_datetime in the person's time zone: their home area's,
else the matching config's default), ``ago`` (format_timedelta: "5 minutes" /
"5 minutos") and ``distance`` ("2.5 km", or miles when the area's units are "mi").
Translators: see docs/i18n.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Protocol

from babel.dates import format_skeleton
from babel.support import Translations
from flask import Flask, current_app, g, has_app_context, has_request_context, request
from flask_babel import (
    Babel,
    force_locale,
    format_date,
    format_time,
    format_timedelta,
    get_locale,
    get_translations,
    to_user_timezone,
)
from flask_babel import gettext as _flask_gettext
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext as _flask_ngettext
from flask_login import current_user
from jinja2 import pass_context
from jinja2.runtime import Context

from mutualaid.models.base import utcnow
from mutualaid.settings import KM_PER_MILE, PROJECT_ROOT

__all__ = [
    "LANGUAGE_NAMES",
    "_",
    "_l",
    "babel",
    "distance",
    "in_language",
    "init_i18n",
    "ngettext",
]


class _Gettext(Protocol):
    def __call__(self, string: str, /, **variables: Any) -> str: ...


class _Ngettext(Protocol):
    def __call__(self, singular: str, plural: str, num: int, /, **variables: Any) -> str: ...


# flask_babel ships no types: its gettext helpers with their signatures (same objects).
_: _Gettext = _flask_gettext
ngettext: _Ngettext = _flask_ngettext

LANGUAGE_NAMES = {"en": "English", "es": "Español"}
LANG_COOKIE = "lang"
TRANSLATIONS = PROJECT_ROOT / "mutualaid" / "translations"

babel = Babel()


def select_locale() -> str:
    if not has_request_context():  # worker jobs render with in_language(...)
        return "en"
    if current_user and getattr(current_user, "is_authenticated", False):
        return current_user.language or "en"
    cookie = request.cookies.get(LANG_COOKIE)
    if cookie in LANGUAGE_NAMES:
        return cookie
    return request.accept_languages.best_match(list(LANGUAGE_NAMES)) or "en"


def select_timezone() -> str:
    """The viewer's home area's time zone, else the default from config/matching.toml
    (given to :func:`init_i18n` by the app factory)."""
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        area = getattr(current_user, "home_area", None)
        if area is not None and area.timezone:
            return area.timezone
    return str(current_app.extensions.get("default_timezone", "UTC"))


def distance(km: float | None, units: str | None = "km") -> str:
    """ "2.5 km" or, when the area counts in miles, "1.6 mi". Below 100 m: "100 m"."""
    if km is None:
        return ""
    if units == "mi":
        return f"{km / KM_PER_MILE:.1f} mi"
    return f"{km:.1f} km" if km >= 0.1 else "100 m"


def in_units(km: float, units: str | None) -> float:
    """A distance in km as the area counts it (miles when its units are "mi"), to 0.1."""
    return round(km / KM_PER_MILE if units == "mi" else km, 1)


def to_km(value: float, units: str | None) -> float:
    """A distance typed in the area's units, in km (miles are converted, to 0.1 km)."""
    return round(value * KM_PER_MILE, 1) if units == "mi" else value


def when(value: datetime | None) -> str:
    """Date and time in the viewer's locale and time zone: "Nov 25, 2026, 2:05 PM" /
    "25 nov 2026, 14:05"."""
    if value is None:
        return ""
    return f"{format_date(value, 'medium')}, {format_time(value, 'short')}"


def day(value: datetime | None) -> str:
    """The date alone: "Nov 25, 2026" / "25 nov 2026"."""
    return "" if value is None else format_date(value, "medium")


def when_short(value: datetime | None) -> str:
    """Day, month and time: "Nov 25 2:05 PM" / "25 nov 14:05"."""
    if value is None:
        return ""
    day = format_skeleton("MMMd", to_user_timezone(value), locale=get_locale())
    return f"{day} {format_time(value, 'short')}"


def ago(value: datetime | None) -> str:
    """How long ago, coarse and in words of the locale: "5 minutes" / "5 minutos"."""
    if value is None:
        return ""
    return format_timedelta(
        max(utcnow() - value, timedelta(minutes=1)), granularity="minute", threshold=1.0
    )


# Stored keys (statuses, roles) as words, for staff tables: {{ pod.status | label }}.
LABELS = {
    "open": _l("open"),
    "matching": _l("finding neighbors"),
    "forming": _l("pod forming"),
    "active": _l("active"),
    "resolved": _l("resolved"),
    "cancelled": _l("cancelled"),
    "expired": _l("expired"),
    "dissolved": _l("dissolved"),
    "paused": _l("paused"),
    "deleted": _l("deleted"),
    "requester": _l("requester"),
    "helper": _l("helper"),
    "invited": _l("invited"),
    "accepted": _l("accepted"),
    "declined": _l("declined"),
    "withdrawn": _l("withdrawn"),
    "left": _l("left"),
    "removed": _l("removed"),
    "neighbor": _l("neighbor"),
    "coordinator": _l("coordinator"),
    "admin": _l("admin"),
    "queued": _l("queued"),
    "sent": _l("sent"),
    "delivered": _l("delivered"),
    "failed": _l("failed"),
    "undelivered": _l("undelivered"),
    "received": _l("received"),
}


def label(key: str | None) -> str:
    """A stored key in the viewer's language ("matching" -> "buscando vecinos")."""
    return str(LABELS[key]) if key in LABELS else (key or "")


def init_i18n(app: Flask, *, default_timezone: str = "UTC") -> None:
    app.extensions["default_timezone"] = default_timezone
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=str(TRANSLATIONS),
    )
    install_template_gettext(app)
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["when_short"] = when_short
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["label"] = label
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.filters["distance"] = distance

    @app.context_processor
    def _language_context() -> dict[str, object]:
        return {
            "current_locale": str(get_locale() or "en"),
            "language_names": LANGUAGE_NAMES,
            TEMPLATE_CATALOG: _translations(),  # looked up once per page, not per _()
        }


TEMPLATE_CATALOG = "_mutualaid_catalog"


def _catalog(context: Context) -> Translations:
    """The page's catalog (put in its context once per render_template); a macro imported
    without context looks it up itself."""
    catalog = context.get(TEMPLATE_CATALOG)
    return catalog if catalog is not None else _translations()


@pass_context
def _template_gettext(context: Context, string: str) -> str:
    return str(_catalog(context).ugettext(string))


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, num: int) -> str:
    return str(_catalog(context).ungettext(singular, plural, num))


@pass_context
def _template_pgettext(context: Context, ctx: str, string: str) -> str:
    return str(_catalog(context).upgettext(ctx, string))


@pass_context
def _template_npgettext(context: Context, ctx: str, singular: str, plural: str, num: int) -> str:
    return str(_catalog(context).unpgettext(ctx, singular, plural, num))


def install_template_gettext(app: Flask) -> None:
    """Templates call _() hundreds of times a page: each call reads the catalog the page's
    context already holds (jinja2's newstyle gettext passes the context through)."""
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]  # set by jinja2.ext.i18n
        gettext=_template_gettext,
        ngettext=_template_ngettext,
        newstyle=True,
        pgettext=_template_pgettext,
        npgettext=_template_npgettext,
    )


def _translations() -> Translations:
    """flask-babel's catalog for the locale being rendered, remembered on ``g`` next to that
    locale (flask-babel looks it up anew on every call). Keyed by the locale object, so
    ``in_language`` (force_locale) and a language change mid-request (refresh) are honoured."""
    if not has_app_context():
        return get_translations()
    locale = get_locale()
    cached = g.get("mutualaid_catalog")
    if cached is not None and locale is not None and cached[0] is locale:
        return cached[1]
    catalog = get_translations()
    g.mutualaid_catalog = (locale, catalog)
    return catalog


def current_language() -> str:
    """The language being rendered now ("en" or "es")."""
    try:
        code = str(get_locale() or "en")
    except RuntimeError:  # no app context
        return "en"
    return code if code in LANGUAGE_NAMES else "en"


@contextmanager
def in_language(code: str | None) -> Iterator[None]:
    """Render texts for someone else (an SMS recipient) in their language."""
    with force_locale(code if code in LANGUAGE_NAMES else "en"):
        yield
