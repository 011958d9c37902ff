"""The ``email_links`` blueprint object, on its own so the views and the package can both
import it without importing each other."""

from flask import Blueprint

bp = Blueprint("email_links", __name__, url_prefix="/email")
