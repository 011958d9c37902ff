"""Invitations, the pod page (thread, checklist, address for members), notifications."""

from mutualaid.web.pods import routes  # noqa: F401  (registers the views on bp)
from mutualaid.web.pods.blueprint import bp

__all__ = ["bp"]
