"""SMS transport faults, each against real processes: `flask worker` (Huey consumer) on a
private redis-server (its own loopback port, never the machine's 6379), a scratch
PostgreSQL database, and the loopback Twilio emulator spoken to by the real twilio client.

    .venv/bin/python benchmarks/reliability/sms_faults.py kill-worker [--messages 2000]
    .venv/bin/python benchmarks/reliability/sms_faults.py provider-outage [--outage 60]
    .venv/bin/python benchmarks/reliability/sms_faults.py redis-restart [--messages 500]

kill-worker     SIGKILLs the worker at random moments while the messages go out, restarts it
                each time; passes when every message reached the emulator exactly once
                (texts cut off mid-send are settled by the reconcile path, not resent).
provider-outage the emulator answers 500/429 to every send for --outage seconds; passes when
                everything is delivered afterwards, once, with attempts > 1 and growing gaps
                (backoff) recorded on the rows.
redis-restart   the queue's redis-server is killed (losing every queued task) and started
                again; passes when the outbox sweep still sends every message exactly once.

Prints one JSON line of figures; exit status 0 when the check passed.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.reliability.harness import (
    Proc,
    app_env,
    make_app,
    scratch_database,
    start_redis,
    start_worker,
    wait_until,
)
from tests.fakes.twilio_emulator import (
    ACCOUNT_SID,
    AUTH_TOKEN,
    FROM_NUMBER,
    TwilioEmulator,
)


def sms_env(url: str, emulator_url: str, redis_port: int, **extra: str) -> dict[str, str]:
    settings = {
        "QUEUE_URL": f"redis://127.0.0.1:{redis_port}/0",
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": FROM_NUMBER,
        "TWILIO_API_URL": emulator_url,
        "SMS_RATE_PER_SECOND": "0",
        "SMS_LEASE_SECONDS": "5",
        "SMS_TIMEOUT_SECONDS": "3",
        "SMS_DAILY_CAP": "1000",
    }
    return app_env(url, **{**settings, **extra})


def number(i: int) -> str:
    return f"+1212{5550000 + i:07d}"


def queue_messages(app, n: int, tag: str, per_commit: int = 50) -> list[int]:
    """Queue n texts through the outbox (each commit enqueues its Huey task)."""
    from mutualaid.extensions import db
    from mutualaid.sms.outbox import queue_sms

    ids = []
    with app.app_context():
        for start in range(0, n, per_commit):
            for i in range(start, min(n, start + per_commit)):
                row = queue_sms(db.session, number(i), f"{tag} #{i}", kind="notice")
                ids.append(row.id)
            db.session.commit()
    return ids


def outbox_state(app) -> dict:
    from sqlalchemy import func, select

    from mutualaid.extensions import db
    from mutualaid.models import SmsMessage

    with app.app_context():
        rows = db.session.execute(
            select(SmsMessage.status, func.count())
            .where(SmsMessage.direction == "out")
            .group_by(SmsMessage.status)
        ).all()
        db.session.remove()
    return {status: count for status, count in rows}


def delivered_once(emulator: TwilioEmulator, tag: str, n: int) -> dict:
    bodies = collections.Counter(
        m.body for m in list(emulator.messages.values()) if m.body.startswith(tag + " #")
    )
    expected = {f"{tag} #{i}" for i in range(n)}
    return {
        "at_provider": sum(bodies.values()),
        "lost": len(expected - set(bodies)),
        "duplicated": sum(1 for c in bodies.values() if c > 1),
    }


def wait_all_sent(app, n: int, seconds: float) -> float:
    started = time.monotonic()
    with contextlib.suppress(TimeoutError):
        wait_until(lambda: outbox_state(app).get("sent", 0) >= n, seconds, "not all sent")
    return time.monotonic() - started


def sweep_inline(app, n: int, seconds: float) -> float:
    """The periodic sweep's own code, run here instead of waiting for the minute tick
    (fast variant in the test suite); rows whose lease has not run out yet wait for it."""
    from mutualaid.sms.dispatcher import sweep

    started = time.monotonic()
    while time.monotonic() - started < seconds:
        with app.app_context():
            sweep()
        if outbox_state(app).get("sent", 0) >= n:
            break
        time.sleep(1)
    return time.monotonic() - started


def kill_worker(
    messages: int, kills: int, max_wait: float = 180.0, inline_sweep: bool = False
) -> dict:
    tag = "kill"
    with scratch_database("smskill") as url, TwilioEmulator(callbacks=False) as emu:
        redis_proc, port = start_redis("redis-kill")
        env = sms_env(url, emu.url, port)
        app = make_app(url, **{k: v for k, v in env.items() if k != "DATABASE_URL"})
        worker = start_worker("worker-kill-0", env)
        in_flight_at_kill = []
        try:
            t0 = time.monotonic()
            queuer = threading.Thread(target=queue_messages, args=(app, messages, tag))
            queuer.start()
            rng = random.Random(10)
            for k in range(kills):
                time.sleep(rng.uniform(0.3, 1.2))
                worker.kill9()
                in_flight_at_kill.append(outbox_state(app).get("sending", 0))
                worker = start_worker(f"worker-kill-{k + 1}", env)
            queuer.join(timeout=120)
            kills_done_s = time.monotonic() - t0
            if inline_sweep:
                worker.stop()
                drained = sweep_inline(app, messages, max_wait)
            else:
                drained = wait_all_sent(app, messages, max_wait)
            state = outbox_state(app)
        finally:
            worker.stop()
            redis_proc.stop()
        result = {
            "check": "kill-worker",
            "messages": messages,
            "kills": kills,
            "rows_sending_at_kills": sum(in_flight_at_kill),
            "kills_with_texts_in_flight": sum(1 for x in in_flight_at_kill if x),
            "kill_phase_s": round(kills_done_s, 1),
            "drain_after_last_kill_s": round(drained, 1),
            "outbox": state,
            **delivered_once(emu, tag, messages),
        }
    result["ok"] = (
        result["lost"] == 0 and result["duplicated"] == 0 and state.get("sent") == messages
    )
    return result


def provider_outage(messages: int, outage: float, max_wait: float = 240.0) -> dict:
    tag = "outage"
    with scratch_database("smsoutage") as url, TwilioEmulator(callbacks=False) as emu:
        redis_proc, port = start_redis("redis-outage")
        env = sms_env(
            url,
            emu.url,
            port,
            SMS_RETRY_BASE_SECONDS="2",
            SMS_RETRY_MAX_SECONDS="30",
            SMS_MAX_ATTEMPTS="50",
        )
        app = make_app(url, **{k: v for k, v in env.items() if k != "DATABASE_URL"})
        worker = start_worker("worker-outage", env)
        try:
            # The outage lasts at least ``outage`` seconds and until the provider has refused
            # as many sends as there are texts (a slow, loaded machine may start the worker
            # late; an outage that ended before the first send would test nothing).
            emu.outage(max_wait)
            t0 = time.monotonic()
            queue_messages(app, messages, tag)
            wait_until(
                lambda: time.monotonic() - t0 > outage and emu.outage_errors >= messages,
                outage + max_wait / 2,
                "outage",
            )
            emu.outage(0)
            drained = wait_all_sent(app, messages, max_wait)
            state = outbox_state(app)
            attempts = _attempts(app)
        finally:
            worker.stop()
            redis_proc.stop()
        result = {
            "check": "provider-outage",
            "messages": messages,
            "outage_s": outage,
            "errors_answered_500_or_429": emu.outage_errors,
            "all_sent_after_outage_s": round(drained, 1),
            "outbox": state,
            **attempts,
            **delivered_once(emu, tag, messages),
        }
    result["ok"] = (
        result["lost"] == 0
        and result["duplicated"] == 0
        and state.get("sent") == messages
        and result["max_attempts"] > 1
    )
    return result


def _attempts(app) -> dict:
    from sqlalchemy import func, select

    from mutualaid.extensions import db
    from mutualaid.models import SmsMessage

    with app.app_context():
        rows = db.session.execute(
            select(SmsMessage.attempts, func.count())
            .where(SmsMessage.direction == "out")
            .group_by(SmsMessage.attempts)
        ).all()
        db.session.remove()
    hist = {int(a or 0): c for a, c in rows}
    return {"attempts_histogram": hist, "max_attempts": max(hist) if hist else 0}


def redis_restart(messages: int, max_wait: float = 150.0, inline_sweep: bool = False) -> dict:
    tag = "redis"
    with scratch_database("smsredis") as url, TwilioEmulator(callbacks=False) as emu:
        redis_proc, port = start_redis("redis-restart")
        env = sms_env(url, emu.url, port)
        app = make_app(url, **{k: v for k, v in env.items() if k != "DATABASE_URL"})
        # No worker yet: every task waits in redis, then redis dies and they are gone.
        queue_messages(app, messages, tag)
        redis_proc.kill9()
        redis_proc.stop()
        redis_proc = _restart_redis_on(port)
        worker = start_worker("worker-redis", env)
        try:
            if inline_sweep:  # fast variant: the sweep's code now, not at the minute tick
                worker.stop()
                drained = sweep_inline(app, messages, max_wait)
            else:
                drained = wait_all_sent(app, messages, max_wait)
            state = outbox_state(app)
        finally:
            worker.stop()
            redis_proc.stop()
        result = {
            "check": "redis-restart",
            "messages": messages,
            "tasks_lost_with_redis": messages // 50 + (1 if messages % 50 else 0),
            "all_sent_after_s": round(drained, 1),
            "outbox": state,
            **delivered_once(emu, tag, messages),
        }
    result["ok"] = (
        result["lost"] == 0 and result["duplicated"] == 0 and state.get("sent") == messages
    )
    return result


def _restart_redis_on(port: int) -> Proc:
    import redis

    from benchmarks.reliability.harness import LOG_DIR

    proc = Proc(
        "redis-restarted",
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(LOG_DIR),
        ],
        {},
    )

    def up() -> bool:
        try:
            return bool(redis.Redis(port=port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    wait_until(up, 15, "redis-server did not restart")
    return proc


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="check", required=True)
    k = sub.add_parser("kill-worker")
    k.add_argument("--messages", type=int, default=2000)
    k.add_argument("--kills", type=int, default=20)
    o = sub.add_parser("provider-outage")
    o.add_argument("--messages", type=int, default=300)
    o.add_argument("--outage", type=float, default=60.0)
    r = sub.add_parser("redis-restart")
    r.add_argument("--messages", type=int, default=500)
    args = parser.parse_args()
    if args.check == "kill-worker":
        result = kill_worker(args.messages, args.kills)
    elif args.check == "provider-outage":
        result = provider_outage(args.messages, args.outage)
    else:
        result = redis_restart(args.messages)
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
