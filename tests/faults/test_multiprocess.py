"""Fast variants of the multi-process reliability scripts (benchmarks/reliability/), run on
PostgreSQL only: real gunicorn processes and Huey consumers over real HTTP on loopback
ports, a private redis-server, the loopback Twilio emulator. Outside CI they are skipped
(with the reason) when PostgreSQL or redis-server is missing; under CI=true they must run."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import IN_CI

if IN_CI and shutil.which("redis-server") is None:
    raise RuntimeError("CI=true requires redis-server for tests/faults/test_multiprocess.py")

pytestmark = [
    pytest.mark.committed,
    pytest.mark.multiprocess,
    pytest.mark.postgres_only,
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="multi-process checks need redis-server on PATH (a private one is started)",
    ),
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


def test_provider_outage_delivers_everything_once_with_backoff():
    """The emulator answers 500/429 for 3 s while 30 texts are queued: afterwards each is
    delivered exactly once, and the rows show the retries (attempts > 1)."""
    from benchmarks.reliability.sms_faults import provider_outage

    result = provider_outage(messages=30, outage=3, max_wait=40)
    assert result["errors_answered_500_or_429"] >= 30, result
    assert result["lost"] == 0 and result["duplicated"] == 0, result
    assert result["outbox"] == {"sent": 30}, result
    assert min(result["attempts_histogram"]) >= 2, result  # every text was retried


def test_sms_journeys_through_two_web_processes_and_two_workers():
    """2 gunicorn instances + 2 Huey consumers on one database and queue: texters, needs
    inviting SMS helpers, STOP; no text sent twice, none lost, none after STOP."""
    from benchmarks.reliability.sms_journeys import run

    result = run(texters=6, needs=3, helpers=4, max_wait=40, inline_sweep=True, pauses=(2, 1))
    assert set(result["answers"]) <= {"200", "302"}, result
    assert result["duplicates_at_provider"] == 0 and result["missing_at_provider"] == 0, result
    assert result["sent_after_stop"] == 0 and result["texts_to_sms_helpers"] > 0, result
    assert result["ok"], result
