"""Sign up, log in, log out."""

from mutualaid.web.auth import recovery, routes, sessions  # noqa: F401  (views and hook on bp)
from mutualaid.web.auth.blueprint import bp

__all__ = ["bp"]
