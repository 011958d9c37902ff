"""Needs on the web: "I need help", My needs, need detail (owner, coordinators), the board."""

from flask import Blueprint

bp = Blueprint("needs", __name__, url_prefix="/needs")

from mutualaid.web.needs import routes  # noqa: E402,F401
