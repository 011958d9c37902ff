"""Fault: Twilio retries webhooks, so the same MessageSid can arrive more than once, at
different web processes, at the same time. Sends N signed inbound webhooks, a share of
them duplicates of earlier MessageSids, from several OS processes (threads in each) to TWO
gunicorn instances behind one PUBLIC_URL, on a scratch PostgreSQL database.

    .venv/bin/python benchmarks/reliability/webhook_dupes.py [--webhooks 1000] [--dupes 0.2]

Passes when every request is answered 200 (a duplicate is acknowledged, not an error),
every distinct MessageSid is stored exactly once, and exactly one reply was queued per
distinct text (one effect each). Prints one JSON line of figures.
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.reliability.harness import (
    app_env,
    make_app,
    percentile,
    scratch_database,
    start_redis,
    start_web,
    start_worker,
    wait_until,
)
from tests.fakes.twilio_emulator import ACCOUNT_SID, AUTH_TOKEN, inbound_params, new_sid

PUBLIC_URL = "https://aid.example.org"


def plan(n: int, dupes: float, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    distinct = n - int(n * dupes)
    first = [
        inbound_params(f"+1646{5550000 + i:07d}", f"NEED groceries 11211 #{i}", sid=new_sid())
        for i in range(distinct)
    ]
    repeats = [dict(rng.choice(first)) for _ in range(n - distinct)]
    out = first + repeats
    rng.shuffle(out)
    return out


def _send_chunk(args: tuple[list[str], list[dict[str, str]], int]) -> list[tuple[int, float]]:
    import requests

    from tests.fakes.twilio_emulator import sign

    bases, chunk, threads = args
    signature_url = PUBLIC_URL + "/sms/inbound"

    def one(i_params):
        i, params = i_params
        base = bases[i % len(bases)]
        started = time.monotonic()
        try:
            r = requests.post(
                base + "/sms/inbound",
                data=params,
                timeout=30,
                headers={"X-Twilio-Signature": sign(signature_url, params)},
            )
            code = r.status_code
        except requests.RequestException:
            code = 0
        return code, time.monotonic() - started

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, enumerate(chunk)))


def unprocessed(url: str) -> int:
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.scalar(
                sa.text(
                    "SELECT count(*) FROM sms_messages "
                    "WHERE direction = 'in' AND processed_at IS NULL"
                )
            )
    finally:
        engine.dispose()


def effects(url: str) -> dict:
    from sqlalchemy import func, select

    from mutualaid.extensions import db
    from mutualaid.models import SmsMessage

    app = make_app(url)
    with app.app_context():
        inbound = dict(
            db.session.execute(
                select(SmsMessage.provider_sid, func.count())
                .where(SmsMessage.direction == "in")
                .group_by(SmsMessage.provider_sid)
            ).all()
        )
        replies = dict(
            db.session.execute(
                select(SmsMessage.to_number, func.count())
                .where(SmsMessage.direction == "out")
                .group_by(SmsMessage.to_number)
            ).all()
        )
        db.engine.dispose()
    return {"inbound": inbound, "replies": replies}


def run(webhooks: int = 1000, dupes: float = 0.2, processes: int = 4, threads: int = 4) -> dict:
    requests_plan = plan(webhooks, dupes)
    distinct_sids = {p["MessageSid"] for p in requests_plan}
    distinct_from = {p["From"] for p in requests_plan}
    with scratch_database("webhooks") as url:
        # The webhooks store the texts and enqueue them in a private redis queue; a worker
        # applies them (as in production); the replies it writes to the outbox are the
        # effects counted (console backend: nothing leaves the machine).
        redis_proc, port = start_redis("redis-webhooks")
        env = app_env(
            url,
            PUBLIC_URL=PUBLIC_URL,
            TWILIO_AUTH_TOKEN=AUTH_TOKEN,
            TWILIO_ACCOUNT_SID=ACCOUNT_SID,
            QUEUE_URL=f"redis://127.0.0.1:{port}/0",
        )
        webs = [start_web(f"web-hooks{i}", env) for i in range(2)]
        worker = start_worker("worker-hooks", env)
        try:
            bases = [b for _, b in webs]
            chunks = [requests_plan[i::processes] for i in range(processes)]
            started = time.monotonic()
            ctx = multiprocessing.get_context("spawn")
            with ctx.Pool(processes) as pool:
                answers = [
                    a
                    for part in pool.map(_send_chunk, [(bases, c, threads) for c in chunks])
                    for a in part
                ]
            elapsed = time.monotonic() - started
            wait_until(lambda: unprocessed(url) == 0, 60, "the worker left texts unprocessed")
        finally:
            worker.stop()
            for proc, _ in webs:
                proc.stop()
            redis_proc.stop()
        seen = effects(url)
    codes = collections.Counter(code for code, _ in answers)
    latencies = [t for _, t in answers]
    stored = seen["inbound"]
    result = {
        "webhooks": webhooks,
        "distinct_sids": len(distinct_sids),
        "duplicates_sent": webhooks - len(distinct_sids),
        "processes": processes,
        "answers": {str(k): v for k, v in sorted(codes.items())},
        "stored_distinct": len(stored),
        "stored_twice_or_more": sum(1 for c in stored.values() if c > 1),
        "missing": len(distinct_sids - set(stored)),
        "replies": sum(seen["replies"].values()),
        "numbers_with_more_than_one_reply": sum(1 for c in seen["replies"].values() if c > 1),
        "seconds": round(elapsed, 2),
        "p95_ms": round(percentile(latencies, 95) * 1000, 1),
    }
    result["ok"] = (
        codes == collections.Counter({200: webhooks})
        and result["stored_distinct"] == len(distinct_sids)
        and result["stored_twice_or_more"] == 0
        and result["missing"] == 0
        and result["replies"] == len(distinct_from)
        and result["numbers_with_more_than_one_reply"] == 0
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--webhooks", type=int, default=1000)
    parser.add_argument("--dupes", type=float, default=0.2)
    parser.add_argument("--processes", type=int, default=4)
    args = parser.parse_args()
    result = run(args.webhooks, args.dupes, args.processes)
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
