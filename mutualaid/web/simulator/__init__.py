"""The SMS simulator: a phone on a web page, for demos and coordinator training.

Available in development (to anyone logged in) and to admins in production. Texts typed
here are signed with the real Twilio RequestValidator and POSTed to /sms/inbound inside the
app, so they go through exactly the pipeline real texts take; replies come from the outbox.
"""

from flask import Blueprint

bp = Blueprint("simulator", __name__, url_prefix="/simulator")

from mutualaid.web.simulator import routes  # noqa: E402,F401
