"""Matching: for a need, who nearby should be asked, in what order, and why.

Public API (used by pods, the coordinator queue and the API):

- ``find_matches(session, need, *, limit=20, now=None, radius_km=None) -> list[Match]``
- ``Match`` (person_id, offer_id, distance_km, score, reasons, details)
- ``search_radius_km(urgency, step=0)`` / ``escalation_radii(urgency)``: the configured
  default search radius and the widening steps for escalation.
"""

from mutualaid.matching.config import escalation_radii, load_config, search_radius_km
from mutualaid.matching.engine import Match, find_matches, resolve_radius_km
from mutualaid.matching.scoring import Reason

__all__ = [
    "Match",
    "Reason",
    "escalation_radii",
    "find_matches",
    "load_config",
    "resolve_radius_km",
    "search_radius_km",
]
