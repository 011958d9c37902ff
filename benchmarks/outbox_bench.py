"""Outbound: the real outbox worker process's send rate vs a bare loop of
client.messages.create, against the loopback Twilio emulator running in its own process.

- bare loop: this process, the real twilio client, one ``messages.create`` after another;
- worker: ``flask worker`` (the Huey consumer, ``--worker-threads`` threads) as its own
  process, fed through a private redis-server: this process queues ``--n`` texts through
  the outbox (``queue_sms``) in one transaction, whose commit enqueues the send tasks
  (ids only, 50 per task) as in production; timed from before the queueing to the last row
  marked sent in the database (polled every 20 ms), so the producer's commit, the Huey hop
  and the worker's claim/send/record are all in it;
- the emulator runs in a child process, so neither side shares its interpreter with it.

Pacing is off (``SMS_RATE_PER_SECOND=0``). Rounds alternate which side goes first; the load
average is printed per round. At the end every message must be at the emulator exactly once.
Target: the worker reaches at least 50 % of the bare loop.

    .venv/bin/python benchmarks/outbox_bench.py [--n 300] [--rounds 3] [--db postgres|sqlite]
        [--worker-threads 2]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from contextlib import ExitStack

from _common import ROOT, throwaway_postgres  # also puts the project on sys.path
from reliability.harness import Proc, app_env, start_redis

FLASK_WORKER = [sys.executable, "-m", "flask", "--app", "mutualaid", "worker", "--workers"]


def _emulator(conn) -> None:
    """Child process: the emulator until told to stop; answers "count" with the bodies."""
    from tests.fakes.twilio_emulator import TwilioEmulator

    with TwilioEmulator(callbacks=False) as emu:
        conn.send(emu.url)
        while True:
            message = conn.recv()
            if message == "count":
                conn.send(Counter(m.body for m in list(emu.messages.values())))
            else:
                break


def _sent(engine) -> int:
    import sqlalchemy as sa

    with engine.connect() as conn:
        return int(
            conn.scalar(
                sa.text(
                    "SELECT count(*) FROM sms_messages WHERE direction = 'out' AND status = 'sent'"
                )
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="messages per round and side")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--worker-threads", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()

    # The emulator's process is forked before anything opens a connection.
    parent_end, child_end = multiprocessing.get_context("fork").Pipe()
    emulator = multiprocessing.get_context("fork").Process(target=_emulator, args=(child_end,))
    emulator.start()
    emu_url = parent_end.recv()

    from flask_migrate import upgrade
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    from mutualaid import create_app
    from mutualaid.extensions import db
    from mutualaid.sms.outbox import queue_sms
    from tests.fakes.twilio_emulator import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER

    bare_rates, worker_rates, loads = [], [], []
    with ExitStack() as stack:
        if args.db == "postgres":
            url = stack.enter_context(throwaway_postgres("mutualaid_outbox_bench"))
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.db"
        redis_proc, redis_port = start_redis("redis-outbox-bench")
        stack.callback(redis_proc.stop)
        settings = {
            "QUEUE_URL": f"redis://127.0.0.1:{redis_port}/0",
            "SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_API_URL": emu_url,
            "SMS_RATE_PER_SECOND": "0",
            "SMS_DAILY_CAP": str(10 * args.n * args.rounds + 100),
            "PYTHONPATH": str(ROOT),
        }
        env = app_env(url, **settings)
        app = create_app(env)
        with app.app_context():
            upgrade()
        worker = Proc(
            "outbox-bench-worker",
            [*FLASK_WORKER, str(args.worker_threads)],
            env,
        )
        stack.callback(worker.stop)
        bare = Client(
            ACCOUNT_SID, AUTH_TOKEN, http_client=TwilioHttpClient(timeout=10), environment={}
        )
        bare.api.base_url = emu_url
        with app.app_context():
            engine = db.engine
            # Warm-up (not timed): the worker is up when a first text goes out.
            queue_sms(db.session, "+17185559999", "warm-up", kind="notice")
            db.session.commit()
            deadline = time.monotonic() + 60
            while _sent(engine) < 1:
                if time.monotonic() > deadline or not worker.alive():
                    raise SystemExit(f"the worker did not start; see {worker.log_path}")
                time.sleep(0.1)
            bare.messages.create(to="+12125559999", from_=FROM_NUMBER, body="warm-up bare")
            done = 1

            def run_bare(r: int) -> float:
                start = time.perf_counter()
                for i in range(args.n):
                    bare.messages.create(
                        to=f"+1212555{i % 10000:04d}", from_=FROM_NUMBER, body=f"bare {r} {i}"
                    )
                return args.n / (time.perf_counter() - start)

            def run_worker(r: int) -> float:
                nonlocal done
                start = time.perf_counter()
                for i in range(args.n):
                    queue_sms(
                        db.session, f"+1718555{i % 10000:04d}", f"worker {r} {i}", kind="notice"
                    )
                db.session.commit()  # enqueues the send tasks
                target = done + args.n
                deadline = time.monotonic() + args.timeout
                while _sent(engine) < target:
                    if time.monotonic() > deadline:
                        raise SystemExit(f"round {r}: not all sent in {args.timeout:.0f} s")
                    time.sleep(0.02)
                done = target
                return args.n / (time.perf_counter() - start)

            for r in range(args.rounds):
                loads.append(os.getloadavg()[0])
                sides = [(run_bare, bare_rates), (run_worker, worker_rates)]
                for fn, rates in sides if r % 2 == 0 else sides[::-1]:
                    rates.append(fn(r))
            loads.append(os.getloadavg()[0])
            db.session.remove()
            engine.dispose()
    parent_end.send("count")
    bodies = parent_end.recv()
    parent_end.send("stop")
    emulator.join(timeout=10)

    b, w = statistics.median(bare_rates), statistics.median(worker_rates)
    rounds = lambda rates: ", ".join(f"{x:.0f}" for x in rates)  # noqa: E731
    print(
        f"database: {args.db}; {args.n} messages x {args.rounds} rounds per side, pacing off; "
        f"worker process with {args.worker_threads} threads; emulator in its own process; "
        f"load average {min(loads):.1f}-{max(loads):.1f} (per round: "
        f"{', '.join(f'{x:.1f}' for x in loads)})"
    )
    print(f"bare client.messages.create loop   : {b:8.1f} msg/s  (rounds: {rounds(bare_rates)})")
    print(f"worker process (queue -> sent row) : {w:8.1f} msg/s  (rounds: {rounds(worker_rates)})")
    print(f"ratio worker / bare: {w / b:.0%}  (target >= 50%)")
    expected = {
        f"{side} {r} {i}"
        for side in ("bare", "worker")
        for r in range(args.rounds)
        for i in range(args.n)
    }
    missing = [body for body in expected if bodies.get(body, 0) == 0]
    twice = [body for body in expected if bodies.get(body, 0) > 1]
    print(f"at the emulator: {len(missing)} missing, {len(twice)} sent more than once")
    assert not missing and not twice, "every message sent exactly once"


if __name__ == "__main__":
    main()
