"""Sign up, log in, log out."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from mutualaid.web.auth import routes  # noqa: E402,F401
