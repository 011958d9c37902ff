"""Admin pages: areas, roles, categories, retention and the running configuration."""

from mutualaid.web.admin import routes, settings_routes  # noqa: F401  (registers the views on bp)
from mutualaid.web.admin.blueprint import bp

__all__ = ["bp"]
