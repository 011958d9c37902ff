"""Ranking: a pure function of (need, candidate, context) -> score and the reasons behind it.

No database, no clock, no Flask: everything arrives in the arguments, so the same inputs
always give the same score. Each factor is a number in [0, 1]; the score is their mean
weighted by ``[weights]`` in config/matching.toml, times 100.

- distance: 1 at the need's location, 0 at the edge of the effective radius (the smaller
  of the need's search radius and the helper's travel radius);
- fairness: half from free pod slots (capacity minus active pods), half from how rarely the
  helper was asked recently: 1 - load / ROTATION_LOAD (2; not below 0), where the load counts
  each invitation in the window by its age (1 in the last day, 0.5 up to three days, 0.25
  after) plus 1 for each invitation still open elsewhere. Linear, so a helper asked twice
  today is clearly behind one asked once (a 1 / (1 + load) curve flattens and let the
  closest helper win every time); equally good helpers are asked in turn, and ties go to
  whoever was asked least recently (``engine``);
- freshness: halves every ``half_life_days`` since the helper last confirmed the offer;
- response: accepts / (accepts + declines + no replies) with a Beta prior, so one decline
  lowers the rank gently;
- language: 1 when the helper's language is the requester's.

Reasons are small structured values (:class:`Reason`) rendered to text only when shown
(``mutualaid.matching.reasons``), in whoever's language is current.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mutualaid.matching.availability import When
from mutualaid.matching.config import MatchingConfig

ROTATION_LOAD = 2.0  # a recent-ask load at which the rotation half of fairness reaches 0


@dataclass(frozen=True)
class NeedFacts:
    """What scoring needs to know about the need."""

    category: str
    urgency: str
    language: str  # the requester's
    radius_km: float  # the search radius in use
    units: str = "km"  # the area's display units: km | mi


@dataclass(slots=True)
class Candidate:
    """One offer that passed every filter, with the facts that rank it."""

    offer_id: int
    person_id: int
    distance_km: float
    offer_radius_km: float
    capacity: int
    seated: int  # active pods the helper is seated in
    asked_recently: int  # invitations within the fairness window
    accepted: int  # within the response window
    declined: int
    no_reply: int
    language: str
    last_confirmed_at: datetime
    when: When
    recent_load: float = 0.0  # recent invitations weighted by age, plus open ones elsewhere
    open_elsewhere: int = 0  # invitations still open in other groups


@dataclass(frozen=True)
class Context:
    now: datetime
    config: MatchingConfig


@dataclass(frozen=True)
class Reason:
    """One human reason: ``key`` picks the sentence, ``params`` fill it in. ``lowers`` is
    True when the fact pushed the helper down the list."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()
    lowers: bool = False

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (e.g. for ``Membership.reasons``), re-renderable later."""
        return {"key": self.key, "params": dict(self.params), "lowers": self.lowers}


@dataclass(frozen=True)
class Scored:
    score: float
    reasons: tuple[Reason, ...]
    factors: dict[str, float] = field(default_factory=dict)


def factors(need: NeedFacts, candidate: Candidate, context: Context) -> dict[str, float]:
    """Each factor in [0, 1] (see the module docstring)."""
    cfg = context.config
    effective = min(need.radius_km, candidate.offer_radius_km)
    distance = max(0.0, 1.0 - candidate.distance_km / effective) if effective > 0 else 1.0
    free = max(0, candidate.capacity - candidate.seated)
    slots = free / candidate.capacity if candidate.capacity > 0 else 0.0
    fairness = 0.5 * slots + 0.5 * max(0.0, 1.0 - candidate.recent_load / ROTATION_LOAD)
    age_days = max(0.0, (context.now - candidate.last_confirmed_at).total_seconds() / 86400)
    freshness = 0.5 ** (age_days / cfg.freshness_half_life_days)
    answered = candidate.accepted + candidate.declined + candidate.no_reply
    response = (candidate.accepted + cfg.response_prior_accepts) / (
        answered + cfg.response_prior_total
    )
    return {
        "distance": distance,
        "fairness": fairness,
        "freshness": freshness,
        "response": response,
        "language": 1.0 if candidate.language == need.language else 0.0,
    }


def score_value(need: NeedFacts, candidate: Candidate, context: Context) -> float:
    """The score alone (0..100): what ranking needs for every candidate; :func:`score` adds
    the reasons for the few that are shown."""
    f = factors(need, candidate, context)
    w = context.config.weights
    total = (
        w.distance * f["distance"]
        + w.fairness * f["fairness"]
        + w.freshness * f["freshness"]
        + w.response * f["response"]
        + w.language * f["language"]
    )
    return round(100.0 * total / w.total, 3)


def score(need: NeedFacts, candidate: Candidate, context: Context) -> Scored:
    """Score ``candidate`` for ``need``: 0..100, higher first, with its reasons."""
    cfg = context.config
    c = candidate
    reasons: list[Reason] = [
        Reason("distance", (("km", c.distance_km), ("units", need.units))),
        Reason("category", (("category", need.category),)),
        Reason("when", (("kind", c.when.kind), ("day", c.when.day), ("part", c.when.part))),
        Reason("slots", (("free", max(0, c.capacity - c.seated)), ("total", c.capacity))),
    ]
    if c.language == need.language and need.language != "en":
        reasons.append(Reason("language", (("language", need.language),)))
    age_days = max(0.0, (context.now - c.last_confirmed_at).total_seconds() / 86400)
    stale = age_days > 2 * cfg.freshness_half_life_days
    reasons.append(Reason("confirmed", (("days", int(age_days)),), lowers=stale))
    if c.open_elsewhere:
        reasons.append(Reason("open", (("times", c.open_elsewhere),), lowers=True))
    if c.asked_recently >= cfg.fairness_mention_from:
        reasons.append(
            Reason(
                "asked",
                (("times", c.asked_recently), ("days", cfg.fairness_window_days)),
                lowers=True,
            )
        )
    f = factors(need, c, context)
    missed = c.declined + c.no_reply
    prior = cfg.response_prior_accepts / cfg.response_prior_total
    if missed and f["response"] < prior:
        reasons.append(
            Reason("missed", (("missed", missed), ("asked", c.accepted + missed)), lowers=True)
        )
    elif c.accepted and f["response"] > prior:
        reasons.append(Reason("helped", (("times", c.accepted),)))
    return Scored(score_value(need, c, context), tuple(reasons), f)


def score_ceiling(terms: float, context: Context) -> float:
    """An upper bound on :func:`score_value` for an offer whose distance and freshness
    terms (``weights.distance * distance factor + weights.freshness * freshness factor``)
    are at most ``terms``, whatever the helper's language and pod history: those factors at
    their highest. Lets ``find_matches`` stop reading offers best first once the top of the
    list cannot change."""
    cfg = context.config
    w = cfg.weights
    response = max(1.0, cfg.response_prior_accepts / cfg.response_prior_total)
    return 100.0 * (terms + w.fairness + w.response * response + w.language) / w.total
