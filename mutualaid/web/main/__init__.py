"""Home page and health check."""

from mutualaid.web.main import routes  # noqa: F401  (registers the views on bp)
from mutualaid.web.main.blueprint import bp

__all__ = ["bp"]
