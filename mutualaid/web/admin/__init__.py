"""Admin pages: areas, roles and the running configuration."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from mutualaid.web.admin import routes  # noqa: E402,F401
