"""Twilio webhooks: POST /sms/inbound and POST /sms/status (signed, CSRF-exempt)."""

from flask import Blueprint

bp = Blueprint("sms_hooks", __name__, url_prefix="/sms")

from mutualaid.web.sms_hooks import routes  # noqa: E402,F401
