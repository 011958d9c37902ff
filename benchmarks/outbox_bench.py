"""Outbound: the outbox worker's send rate vs a bare loop of client.messages.create.

Both talk to the same loopback Twilio emulator through the same real twilio client; the
worker additionally claims each row, commits, records sid/status/segments and commits
again (PostgreSQL by default). Pacing is off. Rounds alternate so neither side gets a
warmer machine. Target: the worker reaches at least 50 % of the bare loop.

What it measures, honestly: the worker's dispatch function (``dispatch_due``) called in this
process, on rows queued with the enqueue stubbed out, against an emulator running as a thread
of the same process (both sides share its GIL). It is the claim/send/record loop's cost, not
a ``flask worker`` process fed by the queue: the Huey hop, process start-up and pacing are
not in it.

    .venv/bin/python benchmarks/outbox_bench.py [--n 300] [--rounds 3] [--db postgres|sqlite]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from contextlib import ExitStack

from _common import throwaway_postgres  # also puts the project on sys.path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=300, help="messages per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    from mutualaid import create_app
    from mutualaid.extensions import db
    from mutualaid.sms import dispatcher
    from mutualaid.sms.outbox import queue_sms
    from tests.fakes.twilio_emulator import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioEmulator

    with ExitStack() as stack:
        if args.db == "postgres":
            url = stack.enter_context(throwaway_postgres("mutualaid_outbox_bench"))
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.db"
        emu = stack.enter_context(TwilioEmulator(callbacks=False))
        app = create_app(
            {
                "MUTUALAID_ENV": "testing",
                "DATABASE_URL": url,
                "QUEUE_URL": "memory://",
                "SMS_BACKEND": "twilio",
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_FROM_NUMBER": FROM_NUMBER,
                "TWILIO_API_URL": emu.url,
                "SMS_RATE_PER_SECOND": "0",
                "SMS_DAILY_CAP": "10000",
                "LOG_LEVEL": "warning",
            }
        )
        bare = Client(
            ACCOUNT_SID, AUTH_TOKEN, http_client=TwilioHttpClient(timeout=10), environment={}
        )
        bare.api.base_url = emu.url
        bare_rates, worker_rates, loads = [], [], [os.getloadavg()[0]]
        with app.app_context():
            upgrade()
            for r in range(args.rounds):
                start = time.perf_counter()
                for i in range(args.n):
                    bare.messages.create(
                        to=f"+1212555{i % 10000:04d}", from_=FROM_NUMBER, body=f"bare {r} {i}"
                    )
                bare_rates.append(args.n / (time.perf_counter() - start))

                real_enqueue = dispatcher.enqueue_dispatch
                dispatcher.enqueue_dispatch = lambda ids, bind=None: None  # queue only
                for i in range(args.n):
                    queue_sms(
                        db.session, f"+1718555{i % 10000:04d}", f"worker {r} {i}", kind="notice"
                    )
                db.session.commit()
                dispatcher.enqueue_dispatch = real_enqueue
                start = time.perf_counter()
                sent = dispatcher.dispatch_due(limit=args.n)
                worker_rates.append(sent / (time.perf_counter() - start))
                loads.append(os.getloadavg()[0])
            db.session.remove()
            db.engine.dispose()
        b, w = statistics.median(bare_rates), statistics.median(worker_rates)
        print(
            f"database: {args.db}; {args.n} messages x {args.rounds} rounds, pacing off; "
            f"load average {min(loads):.1f}-{max(loads):.1f}"
        )
        rounds = lambda rates: ", ".join(f"{x:.0f}" for x in rates)  # noqa: E731
        print(f"bare client.messages.create loop : {b:8.1f} msg/s  (rounds: {rounds(bare_rates)})")
        print(
            f"outbox worker (claim/send/record): {w:8.1f} msg/s  (rounds: {rounds(worker_rates)})"
        )
        print(f"ratio worker / bare: {w / b:.0%}  (target >= 50%)")
        assert len(emu.messages) == 2 * args.n * args.rounds, "every message sent exactly once"


if __name__ == "__main__":
    main()
