"""Issue 17: with two worker processes every periodic job ran twice per tick (both
schedulers enqueue it). A job now claims its tick in the queue's storage; the second worker
skips it. Two storages on one SQLite queue file stand for two worker processes."""

from __future__ import annotations

import threading

import pytest
from huey.storage import SqliteStorage

from mutualaid import queue
from mutualaid.jobs import once_per_tick


@pytest.fixture
def two_workers(tmp_path):
    path = str(tmp_path / "queue.db")
    storages = [SqliteStorage("mutualaid", filename=path, timeout=5) for _ in range(2)]
    saved = (queue.huey.storage, queue.huey.immediate)
    queue.huey.immediate = False
    yield storages
    queue.huey.storage, queue.huey.immediate = saved


def test_a_tick_is_claimed_once_across_workers(two_workers):
    first, second = two_workers
    queue.huey.storage = first
    assert queue.claim_tick("sweep_sms", 1, now=600.0)
    queue.huey.storage = second
    assert not queue.claim_tick("sweep_sms", 1, now=630.0)  # the same minute, another worker
    assert queue.claim_tick("sweep_sms", 1, now=660.0)  # the next minute
    assert queue.claim_tick("expire_needs", 1, now=630.0)  # another job's tick is its own


def test_a_periodic_job_runs_once_when_both_workers_fire_it(two_workers):
    runs: list[str] = []

    @once_per_tick(1)
    def sweep() -> None:
        runs.append(threading.current_thread().name)

    # Each "process" fires the job with its own connection to the queue; the claim is the
    # storage's atomic INSERT, so the order does not matter.
    queue.huey.storage = two_workers[0]
    sweep()
    queue.huey.storage = two_workers[1]
    sweep()
    assert len(runs) == 1


def test_inline_queues_always_run_the_job():
    runs = []

    @once_per_tick(1)
    def sweep() -> None:
        runs.append(1)

    saved = queue.huey.immediate
    queue.huey.immediate = True
    try:
        sweep()
        sweep()
    finally:
        queue.huey.immediate = saved
    assert runs == [1, 1]
