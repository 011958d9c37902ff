"""The SMS simulator: a phone on a web page, for demos and coordinator training.

Available in development (to anyone logged in) and to admins in production. Texts typed
here are signed with the real Twilio RequestValidator and POSTed to /sms/inbound inside the
app, so they go through exactly the pipeline real texts take; replies come from the outbox.
"""

from mutualaid.web.simulator import mailbox, routes  # noqa: F401  (register the views on bp)
from mutualaid.web.simulator.blueprint import bp

__all__ = ["bp"]
