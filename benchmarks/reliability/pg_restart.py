"""FAULT SCRIPT — RESTARTS THE MACHINE'S POSTGRESQL CLUSTER. Never part of `make test`.

    .venv/bin/python benchmarks/reliability/pg_restart.py --restart-postgres [--seconds 20]

Runs a gunicorn instance (2 workers x 4 threads) on a scratch PostgreSQL database under a
steady mix of logged-in page views and signed inbound SMS webhooks, then restarts
PostgreSQL (`pg_ctlcluster --skip-systemctl-redirect 15 main restart`) part-way through.

Passes when: no answer is a 500 (the gap is answered 503 with Retry-After), the app
answers 200 again after the restart with no manual step, and every inbound webhook that
was acknowledged with 200 is in the database afterwards. PostgreSQL is checked to be
running again before the script exits (started if it is not).
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.reliability.harness import (
    PASSWORD,
    app_env,
    logged_in,
    make_app,
    scratch_database,
    start_web,
    wait_until,
)
from tests.fakes.twilio_emulator import AUTH_TOKEN, inbound_params, sign

CLUSTER = ("15", "main")


def postgres_online() -> bool:
    out = subprocess.run(
        ["pg_lsclusters", "--no-header"], capture_output=True, text=True, timeout=20
    ).stdout
    return any(line.split()[:2] == list(CLUSTER) and "online" in line for line in out.splitlines())


def restart_postgres() -> float:
    started = time.monotonic()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, "restart"],
        check=True,
        timeout=120,
        capture_output=True,
    )
    return time.monotonic() - started


def ensure_postgres() -> None:
    if not postgres_online():
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", *CLUSTER, "start"],
            check=False,
            timeout=120,
        )
    wait_until(postgres_online, 60, "PostgreSQL did not come back")


def seed(url: str, n: int) -> list[str]:
    from mutualaid.accounts import NewAccount, create_person
    from mutualaid.extensions import db

    app = make_app(url)
    with app.app_context():
        emails = []
        for i in range(n):
            email = f"loader{i}@example.org"
            create_person(
                db.session,
                app.extensions["passwords"],
                NewAccount(f"Loader{i} Test", email, PASSWORD),
            )
            emails.append(email)
        db.session.commit()
        db.engine.dispose()
    return emails


def stored_sids(url: str, sids: list[str]) -> set[str]:
    from sqlalchemy import select

    from mutualaid.extensions import db
    from mutualaid.models import SmsMessage

    app = make_app(url)
    with app.app_context():
        found = set(
            db.session.scalars(
                select(SmsMessage.provider_sid).where(SmsMessage.provider_sid.in_(sids))
            )
        )
        db.engine.dispose()
    return found


def run(seconds: float = 20.0, restart_at: float = 5.0, threads: int = 4) -> dict:
    events: list[tuple[float, str, int]] = []
    acked: list[str] = []
    lock = threading.Lock()
    with scratch_database("pgrestart") as url:
        emails = seed(url, threads)
        env = app_env(url, TWILIO_AUTH_TOKEN=AUTH_TOKEN, TWILIO_ACCOUNT_SID="AC" + "0" * 32)
        proc, base = start_web("web-pgrestart", env)
        stop = threading.Event()
        t0 = time.monotonic()
        try:
            clients = [logged_in(base, e)[0] for e in emails]

            def load(i: int) -> None:
                import requests

                session = clients[i]
                n = 0
                while not stop.is_set() and time.monotonic() - t0 < seconds + 60:
                    n += 1
                    try:
                        if n % 2:
                            r = session.get(base + "/needs/board", timeout=10)
                            kind = "page"
                        else:
                            params = inbound_params(f"+1555020{i:02d}{n % 100:02d}", f"hello {n}")
                            url_ = base + "/sms/inbound"
                            r = requests.post(
                                url_,
                                data=params,
                                timeout=10,
                                headers={"X-Twilio-Signature": sign(url_, params)},
                            )
                            kind = "webhook"
                            if r.status_code == 200:
                                with lock:
                                    acked.append(params["MessageSid"])
                        code = r.status_code
                    except Exception:  # the web process itself never went away
                        kind, code = "error", 0
                    with lock:
                        events.append((time.monotonic() - t0, kind, code))
                    time.sleep(0.05)

            workers = [threading.Thread(target=load, args=(i,)) for i in range(threads)]
            for w in workers:
                w.start()
            time.sleep(restart_at)
            restart_started = time.monotonic() - t0
            restart_took = restart_postgres()
            ensure_postgres()
            time.sleep(max(0.0, seconds - (time.monotonic() - t0)))
            stop.set()
            for w in workers:
                w.join(timeout=30)
        finally:
            stop.set()
            proc.stop()
            ensure_postgres()
        found = stored_sids(url, acked)
    codes = collections.Counter(code for _, _, code in events)
    bad = [(t, k, c) for t, k, c in events if c != 200]
    after = [c for t, _, c in events if t > (bad[-1][0] if bad else 0)]
    result = {
        "requests": len(events),
        "answers": {str(k): v for k, v in sorted(codes.items())},
        "restart_began_s": round(restart_started, 2),
        "restart_took_s": round(restart_took, 2),
        "gap_s": round(bad[-1][0] - bad[0][0], 2) if bad else 0.0,
        "first_non_200_s": round(bad[0][0], 2) if bad else None,
        "last_non_200_s": round(bad[-1][0], 2) if bad else None,
        "ok_after_gap": len(after),
        "webhooks_acked_200": len(acked),
        "acked_but_missing": len(set(acked) - found),
        "postgres_online": postgres_online(),
    }
    result["ok"] = (
        codes.get(500, 0) == 0
        and codes.get(0, 0) == 0
        and set(codes) <= {200, 503}
        and result["ok_after_gap"] > 0
        and result["acked_but_missing"] == 0
        and result["postgres_online"]
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description="RESTARTS PostgreSQL: " + __doc__.splitlines()[0])
    parser.add_argument(
        "--restart-postgres",
        action="store_true",
        help="required: confirms you accept a PostgreSQL restart",
    )
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    if not args.restart_postgres:
        sys.exit("This script restarts PostgreSQL. Re-run with --restart-postgres to confirm.")
    try:
        result = run(args.seconds)
    finally:
        ensure_postgres()
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
