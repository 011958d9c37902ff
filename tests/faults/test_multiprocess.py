"""Fast variants of the multi-process reliability scripts (benchmarks/reliability/), run on
PostgreSQL only: real gunicorn processes over real HTTP on loopback ports."""

from __future__ import annotations

import pytest

from tests.conftest import BACKEND

pytestmark = [
    pytest.mark.committed,
    pytest.mark.skipif(BACKEND != "postgres", reason="multi-process checks need PostgreSQL"),
]


@pytest.fixture(autouse=True)
def _keep_the_suites_queue():
    """The scripts build in-process apps pointed at their private redis, which re-points the
    process-wide Huey instance; put the suite's queue back afterwards."""
    from mutualaid.queue import huey

    storage, immediate = huey.storage, huey.immediate
    yield
    huey.storage, huey.immediate = storage, immediate


def test_concurrent_accepts_across_two_gunicorn_instances_seat_exactly_three():
    from benchmarks.reliability.accepts_two_gunicorns import run

    result = run(accepts=20, seats=3)
    assert result["seated"] == 3 and result["seats_taken"] == 3, result
    assert result["answers"] == {"303": 20}, result
    assert result["ok"]


def test_duplicate_webhooks_from_several_processes_have_one_effect_each():
    from benchmarks.reliability.webhook_dupes import run

    result = run(webhooks=120, dupes=0.2, processes=2, threads=4)
    assert result["answers"] == {"200": 120}, result
    assert result["stored_distinct"] == result["distinct_sids"] == 96, result
    assert result["stored_twice_or_more"] == 0 and result["missing"] == 0, result
    assert result["replies"] == 96 and result["numbers_with_more_than_one_reply"] == 0, result


def test_worker_killed_mid_send_delivers_every_text_exactly_once():
    from benchmarks.reliability.sms_faults import kill_worker

    result = kill_worker(messages=200, kills=3, max_wait=60, inline_sweep=True)
    assert result["lost"] == 0 and result["duplicated"] == 0, result
    assert result["outbox"] == {"sent": 200}, result


def test_redis_restart_loses_no_text():
    from benchmarks.reliability.sms_faults import redis_restart

    result = redis_restart(messages=60, max_wait=90, inline_sweep=True)
    assert result["lost"] == 0 and result["duplicated"] == 0, result
    assert result["outbox"] == {"sent": 60}, result
