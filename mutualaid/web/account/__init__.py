"""A person's own profile: name, language, phone, SMS preference."""

from flask import Blueprint

bp = Blueprint("account", __name__, url_prefix="/account")

from mutualaid.web.account import routes, tokens  # noqa: E402,F401
