"""Ranking: a pure function of (need, candidate, context) -> score and the reasons behind it.

No database, no clock, no Flask: everything arrives in the arguments, so the same inputs
always give the same score. Each factor is a number in [0, 1]; the score is their mean
weighted by ``[weights]`` in config/matching.toml, times 100.

- distance: 1 at the need's location, 0 at the edge of the effective radius (the smaller
  of the need's search radius and the helper's travel radius);
- fairness: half from free pod slots (capacity minus active pods), half from how rarely the
  helper was asked recently (1 / (1 + invitations in the window)), so the same helpers are
  not asked every time;
- freshness: halves every ``half_life_days`` since the helper last confirmed the offer;
- response: accepts / (accepts + declines + no replies) with a Beta prior, so one decline
  lowers the rank gently;
- language: 1 when the helper's language is the requester's.

Reasons are small structured values (:class:`Reason`) rendered to text only when shown,
in whoever's language is current (``mutualaid.i18n.in_language`` for an SMS recipient).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import get_translations

from mutualaid.matching.availability import When
from mutualaid.matching.config import MatchingConfig

KM_PER_MILE = 1.609344


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

    def text(self, translations: Any = None) -> str:
        return render(self, translations)

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
    fairness = 0.5 * slots + 0.5 / (1 + candidate.asked_recently)
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


def render(reason: Reason, translations: Any = None) -> str:
    """The reason as a sentence fragment in the current language (``translations``: a
    gettext translations object, fetched once by callers rendering many reasons)."""
    tr = translations if translations is not None else get_translations()
    gettext, ngettext = tr.gettext, tr.ngettext
    p = dict(reason.params)
    key = reason.key
    if key == "distance":
        km, units = p["km"], p.get("units", "km")
        if units == "mi":
            return gettext("%(n)s mi away") % {"n": f"{km / KM_PER_MILE:.1f}"}
        if km < 0.1:
            return gettext("less than 100 m away")
        return gettext("%(n)s km away") % {"n": f"{km:.1f}"}
    if key == "category":
        from mutualaid.categories import name_of
        from mutualaid.i18n import current_language

        label = name_of(str(p["category"]), current_language()).replace("_", " ").lower()
        return gettext("offers %(category)s") % {"category": label}
    if key == "when":
        return _when_text(gettext, p["kind"], p.get("day", 0), p.get("part", ""))
    if key == "slots":
        return ngettext(
            "%(free)d of %(num)d pod slot free",
            "%(free)d of %(num)d pod slots free",
            p["total"],
        ) % {"free": p["free"], "num": p["total"]}
    if key == "language":
        names = {"en": gettext("English"), "es": gettext("Spanish")}
        return gettext("speaks %(language)s") % {
            "language": names.get(p["language"], p["language"])
        }
    if key == "confirmed":
        if p["days"] < 1:
            return gettext("confirmed today")
        return ngettext("confirmed %(num)d day ago", "confirmed %(num)d days ago", p["days"]) % {
            "num": p["days"]
        }
    if key == "asked" and p["days"] == 7:
        return ngettext(
            "asked %(num)d time this week (ranked lower)",
            "asked %(num)d times this week (ranked lower)",
            p["times"],
        ) % {"num": p["times"]}
    if key == "asked":
        return ngettext(
            "asked %(num)d time in %(days)d days (ranked lower)",
            "asked %(num)d times in %(days)d days (ranked lower)",
            p["times"],
        ) % {"num": p["times"], "days": p["days"]}
    if key == "missed":
        return gettext("did not take %(missed)d of %(asked)d recent invitations (ranked lower)") % {
            "missed": p["missed"],
            "asked": p["asked"],
        }
    if key == "helped":
        return ngettext(
            "said yes %(num)d time before", "said yes %(num)d times before", p["times"]
        ) % {"num": p["times"]}
    return key


def _when_text(gettext: Any, kind: str, day: int, part: str) -> str:
    if kind == "any_time":
        return gettext("free any time")
    if kind == "now":
        return gettext("free now")
    if kind == "day" and day == 0:
        parts = {
            "morning": gettext("free this morning"),
            "afternoon": gettext("free this afternoon"),
            "evening": gettext("free this evening"),
            "night": gettext("free tonight"),
        }
        return parts.get(part, gettext("free in the next hours"))
    if kind == "day":
        parts = {
            "morning": gettext("free tomorrow morning"),
            "afternoon": gettext("free tomorrow afternoon"),
            "evening": gettext("free tomorrow evening"),
            "night": gettext("free tomorrow night"),
        }
        return parts.get(part, gettext("free in the next hours"))
    weekdays = (
        gettext("Monday"),
        gettext("Tuesday"),
        gettext("Wednesday"),
        gettext("Thursday"),
        gettext("Friday"),
        gettext("Saturday"),
        gettext("Sunday"),
    )
    parts = {
        "morning": gettext("morning"),
        "afternoon": gettext("afternoon"),
        "evening": gettext("evening"),
        "night": gettext("night"),
    }
    return gettext("free %(day)s %(part)s") % {
        "day": weekdays[day % 7],
        "part": parts.get(part, ""),
    }
