"""What the worker pays per text for looking up places before it locks the number
(issue 15): ``intake.process_stored`` as it is, against the same call with the pre-lock
look-up switched off (the worker as it was), side by side in one run, alternating rounds,
on the same database. Each text: the webhook's INSERT and commit, then ``process_stored``
(pre-lock look-up, lock, keywords, the conversation layer, the reply, one commit). The
geocoder chain is offline (coordinates and ZIP codes), so the figure is the pre-lock step's
own cost (one parse, two reads, a commit), not the network's.

    .venv/bin/python benchmarks/intake_bench.py [--texts 400] [--helpers 300] [--postgres]
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import tempfile
import time
from contextlib import nullcontext

from _common import percentile, throwaway_postgres
from sms_conversation_bench import MIX, seed_helpers


def run(app, texts: int, prelocate: bool, numbers: list[str]) -> list[float]:
    from mutualaid.extensions import db
    from mutualaid.sms import intake
    from mutualaid.sms.inbound import store_inbound

    real = intake._prelocate
    intake._prelocate = real if prelocate else (lambda session, message_id: None)
    times = []
    try:
        with app.app_context():
            for i in range(texts):
                number = numbers[i % len(numbers)]
                body = MIX[(i // len(numbers)) % len(MIX)]
                start = time.perf_counter()
                message_id = store_inbound(
                    db.session,
                    sid="SM" + secrets.token_hex(16),
                    from_number=number,
                    to_number="+15005550006",
                    body=body,
                )
                db.session.commit()
                assert message_id is not None and intake.process_stored(message_id)
                times.append(time.perf_counter() - start)
            db.session.remove()
    finally:
        intake._prelocate = real
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--helpers", type=int, default=300)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory()
    context = throwaway_postgres("intake_bench") if args.postgres else nullcontext(None)
    with context as pg_url:
        url = pg_url or f"sqlite:///{tmp.name}/bench.db"
        from flask_migrate import upgrade

        from mutualaid import create_app
        from mutualaid.extensions import db
        from mutualaid.queue import huey

        app = create_app(
            {
                "MUTUALAID_ENV": "testing",
                "DATABASE_URL": url,
                "QUEUE_URL": "memory://",
                "SMS_BACKEND": "console",
                "GEOCODER": "latlng,postal",
                "SMS_DAILY_CAP": "10000",
                "SMS_UNKNOWN_REPLY_CAP": "1000",
            }
        )
        huey.immediate = False  # leave dispatch queued: the worker's sender does it
        with app.app_context():
            upgrade()
            seed_helpers(db, args.helpers, random.Random(7))
        results: dict[str, list[float]] = {"without look-up": [], "with look-up": []}
        for round_no in range(4):  # alternate, so both see the same database growth
            for name in results:
                prefix = "+1646" + ("7" if name == "with look-up" else "8") + f"5{round_no}"
                numbers = [f"{prefix}{i:04d}" for i in range(40)]
                results[name] += run(app, args.texts // 4, name == "with look-up", numbers)
        huey.storage.flush_queue()
        with app.app_context():
            db.engine.dispose()
    backend = "PostgreSQL" if args.postgres else "SQLite"
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{backend}, {args.helpers} helpers, {args.texts} texts each; load average {load}")
    for name, times in results.items():
        ms = [t * 1000 for t in times]
        print(
            f"  {name:16s} mean {statistics.mean(ms):6.2f} ms  p50 {percentile(ms, 50):6.2f} ms"
            f"  p95 {percentile(ms, 95):6.2f} ms  p99 {percentile(ms, 99):6.2f} ms"
        )
    ratio = statistics.mean(results["with look-up"]) / statistics.mean(results["without look-up"])
    print(f"  with / without the pre-lock look-up, mean time per text: {ratio:.2f}x")


if __name__ == "__main__":
    main()
