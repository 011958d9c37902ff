"""Email transport faults against real processes (issue 19): `flask worker` (Huey consumer)
on a private redis-server, a scratch PostgreSQL database, and a loopback SMTP server
(aiosmtpd) that records every message it accepts.

    python benchmarks/reliability/email_faults.py kill-worker [--messages 500] [--kills 3]

kill-worker  queues the emails through the outbox (one commit per 50, each enqueueing its
             task), SIGKILLs the worker at random moments while they go out and restarts
             it; then the outbox sweep runs until every row is "sent". Counted at the SMTP
             server: every Message-ID must have arrived ("lost" = 0). SMTP cannot be asked
             afterwards what it accepted, so a message the worker handed over in the instant
             before it was killed (accepted by the server, not yet recorded) is sent again
             with the same Message-ID: "extra_copies" counts those, and is at most one per
             kill per SMTP connection in flight (worker threads x EMAIL_CONNECTIONS;
             docs/reliability.md, "Email").

Prints one JSON line of figures; exit status 0 when the check passed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from benchmarks.reliability.harness import (  # noqa: E402
    Proc,
    app_env,
    make_app,
    scratch_database,
    start_redis,
    wait_until,
)
from tests.fakes.smtp_server import LoopbackSmtp  # noqa: E402

WORKER_THREADS = 2
CONNECTIONS = 4  # EMAIL_CONNECTIONS: SMTP connections per worker thread


def email_env(url: str, smtp_url: str, redis_port: int, **extra: str) -> dict[str, str]:
    settings = {
        "QUEUE_URL": f"redis://127.0.0.1:{redis_port}/0",
        "EMAIL_BACKEND": "smtp",
        "SMTP_URL": smtp_url,
        "EMAIL_FROM": "mutualaid <noreply@example.org>",
        "EMAIL_LEASE_SECONDS": "5",
        "EMAIL_TIMEOUT_SECONDS": "3",
        "EMAIL_RETRY_BASE_SECONDS": "1",
        "EMAIL_CONNECTIONS": str(CONNECTIONS),
    }
    return app_env(url, **{**settings, **extra})


def start_worker(name: str, env: dict[str, str]) -> Proc:
    """This checkout's code, whatever virtualenv runs it."""
    return Proc(
        name,
        [sys.executable, "-m", "flask", "--app", "mutualaid", "worker",
         "--workers", str(WORKER_THREADS)],
        {**env, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip


def address(i: int) -> str:
    return f"person{i}@example.org"


def queue_emails(app, n: int, tag: str, per_commit: int = 50) -> list[str]:
    """Queue n emails through the outbox; returns their Message-IDs."""
    from mutualaid.email.outbox import queue_email
    from mutualaid.extensions import db

    ids = []
    with app.app_context():
        for start in range(0, n, per_commit):
            for i in range(start, min(n, start + per_commit)):
                row = queue_email(db.session, address(i), f"{tag} #{i}", f"body {i}", kind="notice")
                ids.append(row.message_id)
            db.session.commit()
        db.session.remove()
    return ids


def outbox_state(app) -> dict:
    from sqlalchemy import func, select

    from mutualaid.extensions import db
    from mutualaid.models import OutboundEmail

    with app.app_context():
        rows = db.session.execute(
            select(OutboundEmail.status, func.count()).group_by(OutboundEmail.status)
        ).all()
        db.session.remove()
    return {status: count for status, count in rows}


def sweep_inline(app, n: int, seconds: float) -> float:
    """The periodic sweep's own code, run here instead of waiting for the minute tick; rows
    whose lease has not run out yet wait for it."""
    from mutualaid.email.dispatcher import sweep

    started = time.monotonic()
    while time.monotonic() - started < seconds:
        with app.app_context():
            sweep()
        if outbox_state(app).get("sent", 0) >= n:
            break
        time.sleep(1)
    return time.monotonic() - started


def kill_worker(messages: int = 500, kills: int = 3, max_wait: float = 120.0) -> dict:
    tag = "kill"
    with scratch_database("emailkill") as url, LoopbackSmtp() as smtp:
        redis_proc, port = start_redis("redis-email-kill")
        env = email_env(url, smtp.url, port)
        app = make_app(url, **{k: v for k, v in env.items() if k != "DATABASE_URL"})
        worker = start_worker("email-worker-0", env)
        sending_at_kills = []
        try:
            t0 = time.monotonic()
            message_ids: list[str] = []
            queuer = threading.Thread(
                target=lambda: message_ids.extend(queue_emails(app, messages, tag))
            )
            queuer.start()
            rng = random.Random(19)
            wait_until(lambda: len(smtp.received) > 0, 30, "the worker sent nothing")
            for k in range(kills):
                time.sleep(rng.uniform(0.2, 0.8))
                worker.kill9()
                sending_at_kills.append(outbox_state(app).get("sending", 0))
                worker = start_worker(f"email-worker-{k + 1}", env)
            queuer.join(timeout=120)
            kill_phase = time.monotonic() - t0
            with contextlib.suppress(TimeoutError):
                wait_until(lambda: outbox_state(app).get("sent", 0) >= messages, 20, "")
            worker.stop()
            drained = sweep_inline(app, messages, max_wait)
            state = outbox_state(app)
        finally:
            worker.stop()
            redis_proc.stop()
        counts = smtp.message_id_counts()
        expected = set(message_ids)
    result = {
        "check": "email-kill-worker",
        "messages": messages,
        "kills": kills,
        "received_at_smtp": sum(counts.values()),
        "distinct_message_ids": len(set(counts) & expected),
        "lost": len(expected - set(counts)),
        "extra_copies": sum(c - 1 for c in counts.values() if c > 1),
        "rows_sending_at_kills": sum(sending_at_kills),
        "kill_phase_s": round(kill_phase, 1),
        "drain_after_kills_s": round(drained, 1),
        "outbox": state,
    }
    result["ok"] = (
        result["lost"] == 0
        and state == {"sent": messages}
        and result["extra_copies"] <= kills * WORKER_THREADS * CONNECTIONS
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("check", choices=["kill-worker"])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--kills", type=int, default=3)
    args = parser.parse_args()
    result = kill_worker(args.messages, args.kills)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
