"""Sign up, log in, log out."""

from mutualaid.web.auth import routes  # noqa: F401  (registers the views on bp)
from mutualaid.web.auth.blueprint import bp

__all__ = ["bp"]
