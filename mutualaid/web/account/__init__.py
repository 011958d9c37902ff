"""A person's own profile: name, language, phone, SMS preference."""

from mutualaid.web.account import lifecycle, routes, tokens  # noqa: F401  (views on bp)
from mutualaid.web.account.blueprint import bp

__all__ = ["bp"]
