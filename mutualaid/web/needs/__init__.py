"""Needs on the web: "I need help", My needs, need detail (owner, coordinators), the board."""

from mutualaid.web.needs import routes  # noqa: F401  (registers the views on bp)
from mutualaid.web.needs.blueprint import bp

__all__ = ["bp"]
