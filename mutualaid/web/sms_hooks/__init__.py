"""Twilio webhooks: POST /sms/inbound and POST /sms/status (signed, CSRF-exempt)."""

from mutualaid.web.sms_hooks import routes  # noqa: F401  (registers the views on bp)
from mutualaid.web.sms_hooks.blueprint import bp

__all__ = ["bp"]
