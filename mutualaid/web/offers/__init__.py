"""Offers on the web: "I can help", My offers, pause/resume/delete/confirm."""

from flask import Blueprint

bp = Blueprint("offers", __name__, url_prefix="/offers")

from mutualaid.web.offers import routes  # noqa: E402,F401
