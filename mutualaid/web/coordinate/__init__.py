"""The coordinators' workspace (staff only)."""

from flask import Blueprint

bp = Blueprint("coordinate", __name__, url_prefix="/coordinate")

from mutualaid.web.coordinate import routes  # noqa: E402,F401
