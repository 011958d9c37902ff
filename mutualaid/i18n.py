"""Languages: English and Spanish, chosen per person.

Web: the person's profile language, else the ``lang`` cookie set by the footer switcher,
else the browser's Accept-Language, else English. SMS and jobs render in the recipient's
language with ``in_language(code)``. Mark every user-visible string with ``_`` (now) or
``_l`` (lazy: module-level constants, form labels).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from mutualaid.settings import PROJECT_ROOT

__all__ = ["LANGUAGE_NAMES", "_", "_l", "babel", "in_language", "init_i18n", "ngettext"]

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


def init_i18n(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(TRANSLATIONS),
    )

    @app.context_processor
    def _language_context() -> dict[str, object]:
        return {"current_locale": str(get_locale() or "en"), "language_names": LANGUAGE_NAMES}


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
