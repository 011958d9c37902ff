"""Who may see what: decorators for role-restricted views and the safe ``next=`` check."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit

from flask import abort, request
from flask_login import current_user, login_required

P = ParamSpec("P")
R = TypeVar("R")


def coordinator_required(view: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(view)
    @login_required
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if not current_user.is_coordinator:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def admin_required(view: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(view)
    @login_required
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def safe_next(target: str | None) -> str | None:
    """Return ``target`` only if it is a path on this site; anything else is dropped.

    Rejects absolute URLs, scheme-relative ``//host``, backslash tricks and control
    characters that browsers would normalise into another host.
    """
    if not target:
        return None
    if any(ord(c) < 32 for c in target) or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def wants_json() -> bool:
    """API paths and clients that prefer JSON over HTML get JSON errors."""
    if request.path.startswith("/api/"):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"
