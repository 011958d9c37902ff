"""The ranking function: pure, monotone in each factor, and it explains itself."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mutualaid.matching.availability import When
from mutualaid.matching.config import (
    CONFIG_PATH,
    MatchingConfigError,
    escalation_radii,
    load_config,
    parse_config,
    search_radius_km,
)
from mutualaid.matching.reasons import render
from mutualaid.matching.scoring import Candidate, Context, NeedFacts, Reason, score

NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
CFG = load_config()
CTX = Context(now=NOW, config=CFG)
NEED = NeedFacts(category="groceries", urgency="today", language="en", radius_km=5.0)
BASE = Candidate(
    offer_id=1,
    person_id=1,
    distance_km=1.0,
    offer_radius_km=5.0,
    capacity=2,
    seated=0,
    asked_recently=0,
    accepted=0,
    declined=0,
    no_reply=0,
    language="en",
    last_confirmed_at=NOW - timedelta(days=1),
    when=When("any_time"),
)


def s(**changes) -> float:
    return score(NEED, dataclasses.replace(BASE, **changes), CTX).score


def texts(scored) -> list[str]:
    return [render(r) for r in scored.reasons]


def test_same_inputs_same_score_within_0_to_100():
    assert score(NEED, BASE, CTX) == score(NEED, BASE, CTX)
    assert 0 <= s() <= 100


def test_each_factor_moves_the_score_the_right_way():
    assert s(distance_km=0.5) > s(distance_km=1.0) > s(distance_km=4.0)
    assert s(last_confirmed_at=NOW) > s(last_confirmed_at=NOW - timedelta(days=30))
    # Recent asks weigh by age (one yesterday 1, one three days ago 0.5...): fewer and
    # older asks rank higher; an invitation still open elsewhere counts like a fresh ask.
    assert s(recent_load=0) > s(recent_load=0.25) > s(recent_load=1) > s(recent_load=4)
    assert s(recent_load=1, open_elsewhere=1) == s(recent_load=1)  # the load already holds it
    assert s(seated=0) > s(seated=1)
    assert s(declined=1) < s() < s(accepted=2)
    assert s(no_reply=3) < s(no_reply=1)
    spanish = dataclasses.replace(NEED, language="es")
    assert (
        score(spanish, dataclasses.replace(BASE, language="es"), CTX).score
        > score(spanish, BASE, CTX).score
    )


def test_distance_counts_against_the_smaller_of_the_two_radii():
    near_edge = s(distance_km=1.9, offer_radius_km=2.0)
    assert near_edge < s(distance_km=1.9, offer_radius_km=5.0)


def test_history_lowers_the_rank_gently_not_to_the_bottom():
    # One decline costs less than walking 2 more km.
    assert s(declined=1) > s(distance_km=3.0)


def test_reasons_explain_the_score():
    scored = score(
        dataclasses.replace(NEED, language="es"),
        dataclasses.replace(
            BASE,
            distance_km=1.23,
            seated=1,
            asked_recently=4,
            recent_load=3.5,
            open_elsewhere=1,
            declined=2,
            accepted=1,
            language="es",
            last_confirmed_at=NOW - timedelta(days=3, hours=2),
            when=When("day", 0, "evening"),
        ),
        CTX,
    )
    assert texts(scored) == [
        "1.2 km away",
        "offers groceries",
        "free this evening",
        "1 of 2 pod slots free",
        "speaks Spanish",
        "confirmed 3 days ago",
        "has 1 other open invitation (ranked lower)",
        "asked 4 times this week (ranked lower)",
        "did not take 2 of 3 recent invitations (ranked lower)",
    ]
    assert [r.lowers for r in scored.reasons][-3:] == [True, True, True]
    assert scored.reasons[0].as_dict() == {
        "key": "distance",
        "params": {"km": 1.23, "units": "km"},
        "lowers": False,
    }


def when(kind: str, day: int, part: str) -> Reason:
    return Reason("when", (("kind", kind), ("day", day), ("part", part)))


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        (Reason("distance", (("km", 0.05), ("units", "km"))), "less than 100 m away"),
        (Reason("distance", (("km", 3.218688), ("units", "mi"))), "2.0 mi away"),
        (Reason("category", (("category", "pet_care"),)), "offers pet care"),
        (Reason("when", (("kind", "now"), ("day", 0), ("part", ""))), "free now"),
        (
            Reason("when", (("kind", "day"), ("day", 1), ("part", "morning"))),
            "free tomorrow morning",
        ),
        (
            Reason("when", (("kind", "weekday"), ("day", 5), ("part", "afternoon"))),
            "free Saturday afternoon",
        ),
        (Reason("confirmed", (("days", 0),)), "confirmed today"),
        (Reason("confirmed", (("days", 1),)), "confirmed 1 day ago"),
        (Reason("helped", (("times", 1),)), "said yes 1 time before"),
    ],
)
def test_reason_sentences(reason, text):
    assert render(reason) == text


def test_radius_steps_widen_for_escalation():
    assert escalation_radii("now")[0] == search_radius_km("now")
    for urgency in ("now", "today", "week", "flexible"):
        steps = [search_radius_km(urgency, step) for step in range(6)]
        assert steps == sorted(steps)
        assert steps[-1] == escalation_radii(urgency)[-1]  # past the end: stays at the last
    with pytest.raises(ValueError):
        search_radius_km("someday")


def test_bad_config_is_refused_with_the_key_named(tmp_path: Path):
    import tomllib

    raw = tomllib.loads(CONFIG_PATH.read_text())
    raw["radius"]["steps_km"]["now"] = [5.0, 3.0]
    with pytest.raises(MatchingConfigError, match=r"steps_km\.now"):
        parse_config(raw)
    raw = tomllib.loads(CONFIG_PATH.read_text())
    raw["weights"]["distance"] = "heavy"
    with pytest.raises(MatchingConfigError, match=r"weights\.distance"):
        parse_config(raw)
    with pytest.raises(MatchingConfigError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_ranking_score_equals_the_explained_score():
    from mutualaid.matching.scoring import score_value

    for changes in (
        {},
        {"declined": 3},
        {"asked_recently": 2, "recent_load": 1.5, "seated": 1},
        {"distance_km": 4.9},
    ):
        candidate = dataclasses.replace(BASE, **changes)
        assert score_value(NEED, candidate, CTX) == score(NEED, candidate, CTX).score
