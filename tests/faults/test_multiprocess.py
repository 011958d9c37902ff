"""Fast variants of the multi-process reliability scripts (benchmarks/reliability/), run on
PostgreSQL only: real gunicorn processes over real HTTP on loopback ports."""

from __future__ import annotations

import pytest

from tests.conftest import BACKEND

pytestmark = [
    pytest.mark.committed,
    pytest.mark.skipif(BACKEND != "postgres", reason="multi-process checks need PostgreSQL"),
]


def test_concurrent_accepts_across_two_gunicorn_instances_seat_exactly_three():
    from benchmarks.reliability.accepts_two_gunicorns import run

    result = run(accepts=20, seats=3)
    assert result["seated"] == 3 and result["seats_taken"] == 3, result
    assert result["answers"] == {"303": 20}, result
    assert result["ok"]
