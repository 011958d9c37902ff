"""find_matches: the public entry point. For a need, who nearby should be asked, in what
order, and why.

Pipeline: spatial candidates (index + exact radius rules, ``candidates.py``) -> availability
against the need's urgency in the area's time zone (``availability.py``) -> pod history
(capacity, already invited, fairness, response) -> pure scoring (``scoring.py``) -> one
suggestion per person (their best offer) -> top ``limit``.

Candidates are read best first (issue 21): the index entries with the highest distance and
freshness terms of the score, computed in SQL from the index row; when even the best of the
entries not read (those terms at most the last one's, the other factors at their highest:
``scoring.score_ceiling``) would rank below the top ``limit``, the rest are never read. In a
dense city that is a few hundred of a few thousand offers in reach; where it is not settled,
a larger read, then every offer in reach. The answer is the same either way
(tests/integration/test_matching_best_first.py).

Reads only; never flushes or commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context
from flask_babel import get_translations
from sqlalchemy.orm import Session

from mutualaid.i18n import in_language
from mutualaid.matching.availability import Horizon, as_text, fits, horizon_for, zone
from mutualaid.matching.candidates import (
    BEST_FIRST,
    NO_HISTORY,
    Driver,
    PodHistory,
    SpatialHit,
    best_first_search,
    membership_stats,
    spatial_search,
)
from mutualaid.matching.config import MatchingConfig, load_config
from mutualaid.matching.reasons import render
from mutualaid.matching.scoring import (
    Candidate,
    Context,
    NeedFacts,
    Reason,
    Scored,
    score,
    score_ceiling,
    score_value,
)
from mutualaid.models.base import utcnow
from mutualaid.models.needs import Need
from mutualaid.models.places import Area


@dataclass(frozen=True, slots=True)
class Match:
    """One suggested helper for a need.

    ``reasons`` are rendered in the current language; ``details`` are the same reasons as
    structured values (``Reason.as_dict()`` for storage, ``reasons.render`` to re-render in a
    recipient's language)."""

    person_id: int
    offer_id: int
    distance_km: float
    score: float
    reasons: tuple[str, ...]
    details: tuple[Reason, ...] = ()
    invited: bool = False  # already holds an open invitation to this need


def resolve_radius_km(need: Need, radius_km: float | None, config: MatchingConfig) -> float:
    """The search radius: explicit argument, else the need's own, else the urgency default."""
    radius = radius_km if radius_km is not None else need.search_radius_km
    if radius is None:
        radius = config.radius_km(need.urgency)
    if not 0 < radius <= config.max_radius_km:
        raise ValueError(f"search radius must be in (0, {config.max_radius_km}] km, got {radius}")
    return float(radius)


def find_matches(
    session: Session,
    need: Need,
    *,
    limit: int = 20,
    now: datetime | None = None,
    radius_km: float | None = None,
    config: MatchingConfig | None = None,
    language: str | None = None,
    with_open_invitations: bool = False,
) -> list[Match]:
    """The top ``limit`` helpers for ``need``, best first, each with distance, score and
    reasons. ``radius_km`` overrides the need's search radius (escalation passes
    ``config.search_radius_km(urgency, step)``). A need without a location has no matches.
    Reasons are rendered in ``language``, else the current request's, else English.
    ``with_open_invitations`` keeps helpers whose invitation to this need is still open in
    the ranking (``Match.invited``): where a newcomer would stand in the current round."""
    if limit <= 0:
        return []
    cfg = config or load_config()
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if need.lat is None or need.lng is None:
        return []
    radius = resolve_radius_km(need, radius_km, cfg)

    area = session.get(Area, need.area_id) if need.area_id is not None else None
    tz = zone(area.timezone if area else None, cfg.default_timezone)
    horizon: Horizon = horizon_for(need.urgency, now, tz, dict(cfg.horizon_hours))

    context = Context(now=now, config=cfg)
    driver = Driver(session)
    search: dict[str, Any] = {
        "lat": need.lat,
        "lng": need.lng,
        "radius_km": radius,
        "category": need.category,
        "requester_id": need.requester_id,
        "now": now,
    }
    # Best first: read the offers whose distance and freshness promise the most; when even
    # the best of the rest (those terms at most the last one read, every other factor at
    # its highest) would score below the current top ``limit``, they cannot change the
    # answer. Otherwise (everything in reach was read, or the top is not settled) the
    # answer comes from every offer in reach, as before.
    w = cfg.weights
    ranked_all = None
    first_n = max(BEST_FIRST, 3 * limit)
    for n in (first_n, first_n * 5 // 2):
        first = best_first_search(
            driver,
            **search,
            n=n,
            w_distance=w.distance,
            w_freshness=w.freshness,
            half_life_days=cfg.freshness_half_life_days,
            need_id=need.id,
            fairness_days=cfg.fairness_window_days,
            history_days=cfg.response_window_days,
        )
        if first is None:
            break
        hits, requester_language, rest, history = first
        facts = _facts(need, requester_language, radius, area)
        ranked_all = _rank(
            driver, hits, need, facts, context, horizon, with_open_invitations, history
        )
        if rest is None or _settled(ranked_all[0], limit, score_ceiling(rest + 1e-6, context)):
            break
        ranked_all = None
    if ranked_all is None:
        hits, requester_language = spatial_search(driver, **search)
        facts = _facts(need, requester_language, radius, area)
        ranked_all = _rank(driver, hits, need, facts, context, horizon, with_open_invitations)
    best, open_here = ranked_all

    # Reasons only for the few that are shown.
    ranked = [
        (candidate, score(facts, candidate, context))
        for *_key, candidate in sorted(best.values(), key=lambda item: item[:4])[:limit]
    ]
    if language is None and has_request_context():
        return _matches(ranked, open_here)
    with in_language(language or "en"):
        return _matches(ranked, open_here)


def _facts(
    need: Need, requester_language: str | None, radius: float, area: Area | None
) -> NeedFacts:
    return NeedFacts(
        category=need.category,
        urgency=need.urgency,
        language=requester_language or "en",
        radius_km=radius,
        units=area.units if area else "km",
    )


_Best = dict[int, tuple[float, float, float, int, Candidate]]


def _rank(
    driver: Driver,
    hits: list[SpatialHit],
    need: Need,
    facts: NeedFacts,
    context: Context,
    horizon: Horizon,
    with_open_invitations: bool,
    history: dict[int, PodHistory] | None = None,
) -> tuple[_Best, set[int]]:
    """Each person's best offer among ``hits`` with its sort key (availability, pod history
    and the exclusions it brings), and who holds an open invitation to this need.
    ``history``: the hits' people's pod history when it was read with them."""
    cfg = context.config
    available = []
    for hit in hits:
        when = fits(as_text(hit.availability), horizon)
        if when is not None:
            available.append((hit, when))
    if not available:
        return {}, set()
    if history is None:
        history = membership_stats(
            driver,
            (hit.person_id for hit, _ in available),
            need_id=need.id,
            now=context.now,
            fairness_days=cfg.fairness_window_days,
            history_days=cfg.response_window_days,
        )
    best: _Best = {}
    open_here: set[int] = set()
    for hit, when in available:
        past = history.get(hit.person_id, NO_HISTORY)
        if past.seated >= hit.capacity:
            continue
        if past.invited_to_need:
            if not (with_open_invitations and past.open_here):
                continue
            open_here.add(hit.person_id)
        candidate = Candidate(
            offer_id=hit.offer_id,
            person_id=hit.person_id,
            distance_km=hit.distance_km,
            offer_radius_km=hit.radius_km,
            capacity=hit.capacity,
            seated=past.seated,
            asked_recently=past.asked_recently,
            accepted=past.accepted,
            declined=past.declined,
            no_reply=past.no_reply,
            language=hit.language,
            last_confirmed_at=hit.last_confirmed_at,
            when=when,
            recent_load=past.recent_load,
            open_elsewhere=past.open_elsewhere,
        )
        # Equally good helpers (within a tenth of a point) take turns: whoever was asked
        # least recently first.
        asked = past.last_asked_at.timestamp() if past.last_asked_at else 0.0
        key = (
            -round(score_value(facts, candidate, context), 1),
            asked,
            hit.distance_km,
            hit.offer_id,
        )
        current = best.get(hit.person_id)
        if current is None or key < current[:4]:
            best[hit.person_id] = (*key, candidate)
    return best, open_here


def _settled(best: _Best, limit: int, ceiling: float) -> bool:
    """Can no offer scoring at most ``ceiling`` enter the top ``limit``? Its rounded score
    must be below the ``limit``-th person's (a tie could still win on the tie-breaks)."""
    if len(best) < limit:
        return False
    kth = sorted(item[:4] for item in best.values())[limit - 1]
    return round(ceiling + 0.001, 1) < -kth[0]  # (score_value rounds to 3 places)


def _matches(ranked: list[tuple[Candidate, Scored]], open_here: set[int]) -> list[Match]:
    """The matches with their reasons in the current language; a reason shared by several
    (the category, "any time", "1 of 1 pod slot free") is rendered once."""
    translations = get_translations()
    texts: dict[Reason, str] = {}

    def text(reason: Reason) -> str:
        rendered = texts.get(reason)
        if rendered is None:
            rendered = texts[reason] = render(reason, translations)
        return rendered

    return [
        Match(
            person_id=candidate.person_id,
            offer_id=candidate.offer_id,
            distance_km=round(candidate.distance_km, 3),
            score=scored.score,
            reasons=tuple(text(r) for r in scored.reasons),
            details=scored.reasons,
            invited=candidate.person_id in open_here,
        )
        for candidate, scored in ranked
    ]
