"""Issue 21: find_matches reads offers best first (distance and freshness from the index row)
and stops once the rest cannot reach the top; the answer must be exactly the one ranking
every offer in reach gives. Dense scenes (hundreds of offers around the need, varied radii,
freshness, languages, capacity, schedules and pod history), on both databases, with the
first read made small so that both outcomes (settled, and read on / read everything) occur.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from mutualaid.extensions import db
from mutualaid.matching import engine, find_matches
from mutualaid.models import Membership, Offer, Pod
from tests.factories import make_person
from tests.factories import make_raw_need as make_need

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
CENTER = (40.7150, -73.9540)
SCHEDULES = [
    {"any_time": True},
    {"any_time": False, "windows": [{"days": [2], "start": "09:00", "end": "13:00"}]},
    {"any_time": False, "windows": [{"days": [0, 1, 2, 3, 4], "start": "18:00", "end": "21:00"}]},
    {"any_time": False, "windows": [{"days": [5, 6], "start": "09:00", "end": "17:00"}]},
]


def _scene(rng: random.Random, n_offers: int) -> list:
    helpers = [make_person(language=rng.choice(["en", "en", "en", "es"])) for _ in range(120)]
    for i in range(n_offers):
        helper = helpers[i % len(helpers)] if i < len(helpers) else rng.choice(helpers)
        offer = Offer(
            helper_id=helper.id,
            lat=CENTER[0] + rng.gauss(0, 0.02),
            lng=CENTER[1] + rng.gauss(0, 0.025),
            radius_km=rng.choice([0.5, 1.0, 2.0, 3.0, 5.0, 8.0, 15.0]),
            status="active",
            availability=rng.choice(SCHEDULES),
            capacity=rng.choice([1, 1, 2, 3]),
            last_confirmed_at=NOW - timedelta(days=rng.uniform(0, 60)),
        )
        offer.set_categories([rng.choice(["groceries", "groceries", "meals"])])
        db.session.add(offer)
    db.session.flush()
    # Pod history for some helpers: accepted, declined, expired, recent and older.
    requester = make_person()
    for k in range(25):
        old = make_need(requester, lat=CENTER[0], lng=CENTER[1], status="resolved")
        when = NOW - timedelta(days=rng.choice([0.5, 2.0, 5.0, 30.0]))
        pod = Pod(need_id=old.id, code=f"H{k:03d}", seats=3, status="resolved", created_at=when)
        db.session.add(pod)
        db.session.flush()
        for person in rng.sample(helpers, 3):
            db.session.add(
                Membership(
                    pod_id=pod.id,
                    person_id=person.id,
                    role="helper",
                    status=rng.choice(["accepted", "declined", "expired"]),
                    invited_at=when,
                    reasons=[],
                )
            )
    db.session.flush()
    return helpers


def _answer(matches) -> list[tuple[int, int, float, tuple[str, ...]]]:
    return [(m.person_id, m.offer_id, m.score, m.reasons) for m in matches]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_best_first_gives_the_answer_of_ranking_everyone(app, monkeypatch, seed):
    rng = random.Random(seed)
    _scene(rng, 400)
    requester = make_person(language=rng.choice(["en", "es"]))
    outcomes = {"settled": 0, "read on": 0}
    settled = engine._settled

    def spy(best, limit, ceiling):
        result = settled(best, limit, ceiling)
        outcomes["settled" if result else "read on"] += 1
        return result

    for k in range(12):
        need = make_need(
            requester,
            lat=CENTER[0] + rng.gauss(0, 0.01),
            lng=CENTER[1] + rng.gauss(0, 0.01),
            category=rng.choice(["groceries", "meals"]),
            urgency=rng.choice(["now", "today", "week", "flexible"]),
        )
        for limit in (1, 3, 10, 20):
            monkeypatch.setattr(engine, "BEST_FIRST", rng.choice([5, 20, 60]))
            monkeypatch.setattr(engine, "_settled", spy)
            got = find_matches(db.session, need, limit=limit, now=NOW)
            monkeypatch.setattr(engine, "best_first_search", lambda *a, **kw: None)
            want = find_matches(db.session, need, limit=limit, now=NOW)
            monkeypatch.undo()
            assert _answer(got) == _answer(want), (k, limit)
    assert outcomes["settled"] > 0 and outcomes["read on"] > 0, outcomes


def test_tiny_coordinates_and_old_confirmations_do_not_underflow(app, monkeypatch):
    """PostgreSQL raises on a floating-point underflow: coordinates a hair from zero and an
    offer confirmed long ago must still be matched (found by Hypothesis in the exactness
    test), the same as ranking everyone."""
    helpers = [make_person() for _ in range(4)]
    spots = [(1e-300, 0.0), (0.0, 1e-310), (5e-324, -5e-324), (0.001, 0.001)]
    for helper, (lat, lng) in zip(helpers, spots, strict=True):
        offer = Offer(
            helper_id=helper.id,
            lat=lat,
            lng=lng,
            radius_km=5.0,
            status="active",
            availability={"any_time": True},
            last_confirmed_at=datetime(1900, 1, 1, tzinfo=UTC),
        )
        offer.set_categories(["groceries"])
        db.session.add(offer)
    db.session.flush()
    need = make_need(make_person(), lat=0.0, lng=6.6e-243, urgency="week")
    got = find_matches(db.session, need, limit=20, now=NOW)
    monkeypatch.setattr(engine, "best_first_search", lambda *a, **kw: None)
    assert _answer(got) == _answer(find_matches(db.session, need, limit=20, now=NOW))
    assert {m.person_id for m in got} == {h.id for h in helpers}
