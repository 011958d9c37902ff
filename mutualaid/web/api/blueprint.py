"""The ``api`` blueprint object, on its own so the view modules and the package can
both import it without importing each other."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
