"""Invitations, the pod page (thread, checklist, address for members), notifications."""

from flask import Blueprint

bp = Blueprint("pods", __name__)

from mutualaid.web.pods import routes  # noqa: E402,F401
