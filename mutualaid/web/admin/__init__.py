"""Admin pages: areas, roles, categories, retention and the running configuration."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from mutualaid.web.admin import routes, settings_routes  # noqa: E402,F401
