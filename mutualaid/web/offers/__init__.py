"""Offers on the web: "I can help", My offers, pause/resume/delete/confirm."""

from mutualaid.web.offers import routes  # noqa: F401  (registers the views on bp)
from mutualaid.web.offers.blueprint import bp

__all__ = ["bp"]
