"""Inbound: signed Twilio webhooks under gunicorn on PostgreSQL vs a no-op endpoint of the
same app under the same server, in the same run; then the worker that applies the texts.

gunicorn runs with config/gunicorn.conf.py (WEB_CONCURRENCY=2, WEB_THREADS=4 unless set),
the queue is Redis (db 11; its huey keys are deleted at the end), the database a throwaway
PostgreSQL database. A loopback load generator (keep-alive connections, one thread each)
posts signed webhooks from a pool of numbers with 10 % duplicate MessageSids.

The webhook stores each text and enqueues it; the worker (``flask worker``) applies it
(conversation layer, reply). Phases 1-2 measure the webhook alone (no worker running, so
the processing is not counted in its request time); phases 3-4 the worker beside it:

1. Closed loop: C connections for --seconds against the no-op, then the webhook
   (alternating, --rounds times); throughput and p50/p99 latency.
2. Open loop: the webhook at a fixed --rate (default 200 requests/s) for --seconds;
   latency is measured from each request's scheduled time, so queueing counts.
3. Drain: the worker starts and applies the backlog of phases 1-2; texts applied per
   second over the first --drain seconds, then the worker keeps going until the backlog is
   applied (up to --finish seconds, and that rate over the whole backlog is reported too).
   Nothing is marked processed that the worker did not apply: if --finish runs out, the
   texts still waiting are deleted (and the Redis queue emptied), and counted as discarded.
4. End to end: the webhook at --e2e-rate requests/s for 2 x --seconds with the worker
   running beside it: webhook p50/p99, and receipt -> processed_at p50/p99 per text.
Targets: webhook >= 40 % of no-op throughput; p99 < 100 ms at 200 requests/s.

What phases 1-2 measure: the web side alone (no worker competes for the two cores), so they
bound what the webhook answers, not what the system sustains; a burst beyond the worker's
rate (phase 3) is queued, not applied. Phase 4 is the sustained case.

    .venv/bin/python benchmarks/webhook_bench.py [--seconds 5] [--rounds 2] [--rate 200]
        [--drain 15] [--e2e-rate 20] [--worker-threads 2]
"""

from __future__ import annotations

import argparse
import http.client
import os
import secrets
import statistics
import subprocess
import sys
import time

from _common import ROOT, percentile, throwaway_postgres
from _webhook_load import (
    REDIS_URL,
    TOKEN,
    Requests,
    _free_port,
    _post,
    closed_loop,
    open_loop,
)


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready")


class Worker:
    """``flask worker`` (the Huey consumer) as a child process of the benchmark."""

    def __init__(self, env: dict[str, str], threads: int) -> None:
        argv = [sys.executable, "-m", "flask", "--app", "mutualaid", "worker"]
        self.proc = subprocess.Popen(
            [*argv, "--workers", str(threads)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=20)


def _counts(engine) -> tuple[int, int]:
    """(inbound texts stored, of which processed)."""
    import sqlalchemy as sa

    with engine.connect() as conn:
        row = conn.execute(
            sa.text("SELECT count(*), count(processed_at) FROM sms_messages WHERE direction = 'in'")
        ).one()
    return int(row[0]), int(row[1])


def _wait_for(check, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        time.sleep(0.1)


def drain(engine, env: dict[str, str], threads: int, seconds: float, finish: float) -> dict:
    """Start the worker on the backlog: texts applied per second over the first ``seconds``,
    then until the backlog is applied (at most ``finish`` seconds in all)."""
    import sqlalchemy as sa

    stored, before = _counts(engine)
    worker = Worker(env, threads)
    try:
        # Start-up (imports, first connections) is not counted: time from the first progress.
        _wait_for(lambda: _counts(engine)[1] > before, 60, "the worker to start")
        time.sleep(1.0)
        _, start_count = _counts(engine)
        t0 = time.perf_counter()
        done = start_count
        window = None
        while time.perf_counter() - t0 < finish and done < stored:
            time.sleep(0.5)
            _, done = _counts(engine)
            if window is None and time.perf_counter() - t0 >= seconds:
                window = (done - start_count) / (time.perf_counter() - t0)
        elapsed = time.perf_counter() - t0
    finally:
        worker.stop()
    discarded = 0
    if done < stored:  # never mark a text processed that was not applied: discard it
        with engine.begin() as conn:
            discarded = conn.execute(
                sa.text("DELETE FROM sms_messages WHERE direction = 'in' AND processed_at IS NULL")
            ).rowcount
    _cleanup_redis()
    overall = (done - start_count) / elapsed
    return {
        "backlog": stored - before,
        "applied": done - before,
        "rate": window if window is not None else overall,
        "overall": overall,
        "elapsed": elapsed,
        "discarded": discarded,
    }


def end_to_end(engine, env, threads: int, port: int, reqs: Requests, seconds: float, rate: float):
    """The webhook at ``rate`` with the worker beside it; receipt -> processed per text."""
    import sqlalchemy as sa

    worker = Worker(env, threads)
    try:
        # Ready when it has applied a first text (start-up is not counted).
        body, signature = reqs.probe()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        assert _post(conn, "/sms/inbound", body, signature) == 200
        conn.close()
        _wait_for(lambda: _counts(engine)[0] == _counts(engine)[1], 60, "the worker to start")
        with engine.connect() as conn:
            since = conn.scalar(sa.text("SELECT max(id) FROM sms_messages")) or 0
        paced = open_loop(port, "/sms/inbound", reqs, seconds, rate)
        deadline = time.monotonic() + 30
        query = sa.text(
            "SELECT extract(epoch FROM processed_at - created_at) FROM sms_messages "
            "WHERE direction = 'in' AND id > :since"
        )
        while True:
            with engine.connect() as conn:
                delays = [r[0] for r in conn.execute(query, {"since": since})]
            waiting = sum(1 for d in delays if d is None)
            if not waiting or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        worker.stop()
    done = [float(d) for d in delays if d is not None]
    return {
        **paced,
        "texts": len(delays),
        "unprocessed": waiting,
        "e2e_p50": percentile(done, 50) * 1000,
        "e2e_p99": percentile(done, 99) * 1000,
        "e2e_max": max(done, default=float("nan")) * 1000,
    }


def _cleanup_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match="huey*mutualaid*"))
    if keys:
        client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--drain", type=float, default=15.0)
    parser.add_argument("--finish", type=float, default=300.0)
    parser.add_argument("--e2e-rate", type=float, default=20.0)
    parser.add_argument("--worker-threads", type=int, default=2)
    args = parser.parse_args()
    import sqlalchemy as sa

    load0 = os.getloadavg()[0]
    port = _free_port()
    public = f"http://127.0.0.1:{port}"
    with throwaway_postgres("mutualaid_webhook_bench") as url:
        env = {
            **os.environ,
            "MUTUALAID_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": url,
            "QUEUE_URL": REDIS_URL,
            "SMS_BACKEND": "console",
            "TWILIO_AUTH_TOKEN": TOKEN,
            "PUBLIC_URL": public,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "LOG_LEVEL": "warning",
            "PYTHONPATH": str(ROOT),
        }
        flask = [sys.executable, "-m", "flask", "--app", "mutualaid", "db", "upgrade"]
        subprocess.run(flask, env=env, check=True, capture_output=True, cwd=ROOT)
        gunicorn = [
            sys.executable, "-m", "gunicorn", "--config", str(ROOT / "config/gunicorn.conf.py"),
            "--chdir", str(ROOT / "benchmarks"), "webhook_app:app",
        ]  # fmt: skip
        proc = subprocess.Popen(
            gunicorn, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            _wait_ready(port, proc)
            reqs = Requests(public, n=200_000)
            warm = closed_loop(port, "/sms/inbound", reqs, 1.0, args.clients)
            noop_runs, hook_runs = [], []
            for _ in range(args.rounds):
                noop_runs.append(closed_loop(port, "/bench/noop", reqs, args.seconds, args.clients))
                hook_runs.append(
                    closed_loop(port, "/sms/inbound", reqs, args.seconds, args.clients)
                )
            paced = open_loop(port, "/sms/inbound", reqs, args.seconds, args.rate)
            engine = sa.create_engine(url)
            drained = drain(engine, env, args.worker_threads, args.drain, args.finish)
            e2e = end_to_end(
                engine, env, args.worker_threads, port, reqs, 2 * args.seconds, args.e2e_rate
            )
            engine.dispose()
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            _cleanup_redis()
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    threads = os.environ.get("WEB_THREADS", "4")
    print(f"load average at start / end: {load0:.1f} / {os.getloadavg()[0]:.1f}")
    print(
        f"gunicorn {workers} workers x {threads} threads, PostgreSQL, Redis queue; "
        f"{args.clients} keep-alive clients, {args.seconds:.0f} s x {args.rounds} rounds "
        f"(warm-up {warm['n']} requests)"
    )
    for name, runs in (("no-op endpoint", noop_runs), ("POST /sms/inbound", hook_runs)):
        rps = statistics.median(r["rps"] for r in runs)
        p50 = statistics.median(r["p50"] for r in runs)
        p99 = statistics.median(r["p99"] for r in runs)
        errors = sum(r["errors"] for r in runs)
        print(
            f"{name:18s}: {rps:7.1f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  non-200: {errors}"
        )
    ratio = statistics.median(r["rps"] for r in hook_runs) / statistics.median(
        r["rps"] for r in noop_runs
    )
    print(f"ratio webhook / no-op throughput: {ratio:.0%}  (target >= 40%)")
    print(
        f"open loop at {args.rate:.0f} req/s for {args.seconds:.0f} s: {paced['n']} requests, "
        f"achieved {paced['achieved']:.0f} req/s, p50 {paced['p50']:.1f} ms, "
        f"p99 {paced['p99']:.1f} ms (target < 100 ms), non-200: {paced['errors']}"
    )
    print(
        f"worker ({args.worker_threads} threads) on the backlog of {drained['backlog']} texts: "
        f"{drained['rate']:.0f} texts applied/s over the first {args.drain:.0f} s, "
        f"{drained['overall']:.0f}/s over {drained['elapsed']:.0f} s; {drained['applied']} "
        f"applied, {drained['discarded']} discarded unapplied (none marked processed)"
    )
    print(
        f"end to end at {args.e2e_rate:.0f} req/s for {2 * args.seconds:.0f} s with the worker "
        f"beside: webhook p50 {e2e['p50']:.1f} ms, p99 {e2e['p99']:.1f} ms, "
        f"non-200: {e2e['errors']}; received -> processed p50 {e2e['e2e_p50']:.0f} ms, "
        f"p99 {e2e['e2e_p99']:.0f} ms, max {e2e['e2e_max']:.0f} ms "
        f"({e2e['texts']} texts, {e2e['unprocessed']} unprocessed after 30 s)"
    )


if __name__ == "__main__":
    main()
