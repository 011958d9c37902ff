"""Issue 17: "each periodic job runs once per tick however many worker processes run; a
test with two consumers proves it". Two worker processes, each a real Huey consumer (its
scheduler and two worker threads) with its own connections to one queue, on SQLite and on
Redis: both schedulers enqueue the same periodic job in the same minute, the workers of
either process execute every copy, and the job's body (behind the production
``jobs.once_per_tick``) runs exactly once per minute.

The minute is the claim's clock, set by the test through a file (tests/faults/
tick_consumer.py), so the test takes seconds and no real minute boundary can split it; the
schedulers check their periodic jobs every second instead of every minute. Redis is
``TEST_REDIS_URL`` (default redis://127.0.0.1:6379/7): outside CI a missing Redis skips with
the reason, under CI=true it fails.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
import redis

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
START = 1_800_000_000  # a minute boundary (epoch seconds)
TICKS = (START, START + 60)
WAIT_SECONDS = 30

pytestmark = pytest.mark.multiprocess


def _redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
    client = redis.Redis.from_url(url, socket_connect_timeout=1)
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        reason = f"Redis is not reachable at {url} ({exc}): start redis-server"
        if IN_CI:
            pytest.fail(f"CI=true requires Redis for this test. {reason}", pytrace=False)
        pytest.skip(reason)
    finally:
        client.close()
    return url


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'queue.db'}"
    return _redis_url()


def _events(path: Path) -> list[tuple[str, int, int]]:
    if not path.exists():
        return []
    rows = []
    for line in path.read_text().splitlines():
        kind, pid, tick = line.split()
        rows.append((kind, int(pid), int(tick)))
    return rows


def _wait_for(condition, path: Path, what: str, procs) -> list[tuple[str, int, int]]:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        rows = _events(path)
        if condition(rows):
            return rows
        if any(p.poll() is not None for p in procs):
            break
        time.sleep(0.05)
    errors = "\n".join(p.stderr.read() if p.poll() is not None else "(running)" for p in procs)
    pytest.fail(f"timed out waiting for {what}; events: {_events(path)}\n{errors}")


def _set_clock(path: Path, seconds: float) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(seconds))
    os.replace(tmp, path)  # the consumers never read a half-written time


def _both_enqueued_and_all_ran(pids: set[int], tick: int):
    def check(rows) -> bool:
        enqueuers = {pid for kind, pid, t in rows if kind == "enqueue" and t == tick}
        enqueued = sum(1 for kind, _pid, _t in rows if kind == "enqueue")
        attempts = sum(1 for kind, _pid, _t in rows if kind == "attempt")
        return enqueuers == pids and attempts >= enqueued

    return check


def _cleanup(url: str, run_id: str) -> None:
    if not url.startswith("redis"):
        return  # the SQLite file lives in tmp_path
    client = redis.Redis.from_url(url)
    try:
        for key in client.scan_iter(f"*ticks-{run_id}*"):
            client.delete(key)
        # The claims: mutualaid.queue.claim_tick's keys in the production queue's results.
        client.hdel("huey.results.mutualaid", *(f"tick:probe_{run_id}:{t}" for t in TICKS))
    finally:
        client.close()


def test_two_consumers_run_a_periodic_job_once_per_tick(queue_url, tmp_path):
    run_id = uuid.uuid4().hex[:10]
    events, clock = tmp_path / "events.log", tmp_path / "clock"
    _set_clock(clock, TICKS[0] + 5)
    command = [sys.executable, "-m", "tests.faults.tick_consumer", queue_url, run_id]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [*command, str(events), str(clock)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    pids = {p.pid for p in procs}
    try:
        for tick in TICKS:
            if tick != TICKS[0]:
                _set_clock(clock, tick + 5)
            _wait_for(_both_enqueued_and_all_ran(pids, tick), events, f"tick {tick}", procs)
        for p in procs:
            p.send_signal(signal.SIGINT)  # graceful: running tasks finish
        for p in procs:
            p.wait(timeout=15)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        _cleanup(queue_url, run_id)
    rows = _events(events)
    enqueues = Counter((pid, t) for kind, pid, t in rows if kind == "enqueue")
    attempts = Counter(t for kind, _pid, t in rows if kind == "attempt")
    runs = Counter(t for kind, _pid, t in rows if kind == "ran")
    for tick in TICKS:
        # Both schedulers enqueued the job in this minute, the workers ran every copy ...
        assert all(enqueues[(pid, tick)] >= 1 for pid in pids), rows
        assert attempts[tick] >= 2, rows
    assert sum(attempts.values()) == sum(enqueues.values()), rows  # nothing left undone
    # ... and the body ran exactly once per minute.
    assert runs == Counter(dict.fromkeys(TICKS, 1)), rows
    assert {pid for kind, pid, _t in rows if kind == "attempt"} <= pids
