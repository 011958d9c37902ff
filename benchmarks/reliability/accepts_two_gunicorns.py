"""Fault: N people accept the same 3-seat pod at the same instant, spread over TWO gunicorn
instances (2 workers x 4 threads each) on one PostgreSQL database, over real HTTP.

    .venv/bin/python benchmarks/reliability/accepts_two_gunicorns.py [--accepts 50] [--seats 3]

Passes when exactly ``seats`` people are seated, every answer is a redirect (no 5xx), the
pod is active and its seat count matches the memberships. Prints one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.reliability.harness import (
    PASSWORD,
    app_env,
    logged_in,
    make_app,
    scratch_database,
    start_web,
)


def seed(url: str, accepts: int, seats: int) -> tuple[int, list[str]]:
    from mutualaid.accounts import NewAccount, create_person
    from mutualaid.extensions import db
    from mutualaid.models import Membership, Need, Pod, utcnow
    from mutualaid.models.pods import INVITED, MEMBER_HELPER

    app = make_app(url)
    with app.app_context():
        pw = app.extensions["passwords"]
        requester = create_person(
            db.session, pw, NewAccount("Rita Requester", "rita@example.org", PASSWORD)
        )
        need = Need(
            code="Z9Q",
            requester_id=requester.id,
            category="meals",
            people_needed=seats,
            status="forming",
            lat=40.7,
            lng=-73.95,
            location_status="ok",
        )
        db.session.add(need)
        db.session.flush()
        pod = Pod(need_id=need.id, code="Z9Q", seats=seats)
        db.session.add(pod)
        db.session.flush()
        emails = []
        for i in range(accepts):
            email = f"racer{i}@example.org"
            person = create_person(db.session, pw, NewAccount(f"Racer{i} Test", email, PASSWORD))
            db.session.add(
                Membership(
                    pod_id=pod.id,
                    person_id=person.id,
                    role=MEMBER_HELPER,
                    status=INVITED,
                    invite_expires_at=utcnow() + timedelta(hours=1),
                )
            )
            emails.append(email)
        db.session.commit()
        pod_id = pod.id
        db.engine.dispose()
    return pod_id, emails


def outcome(url: str, pod_id: int) -> dict:
    from sqlalchemy import func, select

    from mutualaid.extensions import db
    from mutualaid.models import Membership, Pod
    from mutualaid.models.pods import ACCEPTED

    app = make_app(url)
    with app.app_context():
        seated = db.session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.pod_id == pod_id, Membership.status == ACCEPTED)
        )
        pod = db.session.get(Pod, pod_id)
        result = {"seated": seated, "seats_taken": pod.seats_taken, "pod_status": pod.status}
        db.engine.dispose()
    return result


def run(accepts: int = 50, seats: int = 3) -> dict:
    with scratch_database("accepts") as url:
        pod_id, emails = seed(url, accepts, seats)
        env = app_env(url)
        webs = [start_web(f"web{i}", env) for i in range(2)]
        try:
            bases = [base for _, base in webs]
            clients = []
            for i, email in enumerate(emails):
                base = bases[i % 2]
                session, token = logged_in(base, email)
                clients.append((base, session, token))
            barrier = threading.Barrier(len(clients))
            statuses: list[int] = []
            lock = threading.Lock()

            def racer(base, session, token):
                barrier.wait(timeout=30)
                r = session.post(
                    f"{base}/pods/{pod_id}/accept",
                    data={"csrf_token": token},
                    allow_redirects=False,
                    timeout=30,
                )
                with lock:
                    statuses.append(r.status_code)

            started = time.monotonic()
            threads = [threading.Thread(target=racer, args=c) for c in clients]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=60)
            elapsed = time.monotonic() - started
            result = outcome(url, pod_id)
        finally:
            for proc, _ in webs:
                proc.stop()
    result.update(
        accepts=accepts,
        seats=seats,
        answers={str(c): statuses.count(c) for c in set(statuses)},
        seconds=round(elapsed, 2),
        web_processes=2,
    )
    result["ok"] = (
        result["seated"] == seats == result["seats_taken"]
        and result["pod_status"] == "active"
        and len(statuses) == accepts
        and all(c in (302, 303) for c in statuses)
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accepts", type=int, default=50)
    parser.add_argument("--seats", type=int, default=3)
    args = parser.parse_args()
    result = run(args.accepts, args.seats)
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
