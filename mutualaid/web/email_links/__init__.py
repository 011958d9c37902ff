"""Pages behind the links in emails (issue 19): one-click unsubscribe (RFC 8058), answer an
invitation, "still need help?", "still available?". Each link carries a signed, expiring
token naming one person and one object; a GET only shows the question, a POST answers it,
without a password login, for that object only."""

from mutualaid.web.email_links import routes  # noqa: F401  (registers the views on bp)
from mutualaid.web.email_links.blueprint import bp

__all__ = ["bp"]
