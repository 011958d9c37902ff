"""The coordinators' queue at 10,000 open needs: the real page (one paged query that also
counts, one query for the page's pods and their open invitations, rendered through Flask)
against the naive version (read the sort and filter columns of every need, filter and sort in
Python, then one query for the shown rows and their pods with open invitations counted), and
the home page for scale, side by side in one run, interleaved in rounds, with the load
average. The metrics page
over the same needs is timed too (for scale; not part of the target).

    .venv/bin/python benchmarks/coordinator_queue.py [--needs 10000] [--offers 100000]
        [--db sqlite|postgres]

Offers (one helper per five offers, one to three categories each, within ~12 km of the
areas) are loaded so the database has the issue's full size: the queue does not read them,
but they share the buffer cache and the planner's statistics with it.

Prints median and p95 per request for: queue page 1, queue page 100 (deep offset), the
naive version of page 1, the metrics page and the home page, and the queue / home ratios
(target: within 5x at p50 and p95).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--needs", type=int, default=10000)
    parser.add_argument("--offers", type=int, default=100000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    drop = None
    if args.db == "postgres":
        name = f"mutualaid_bench_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(
            "postgresql+psycopg://postgres@127.0.0.1:5432/postgres", isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"

        def drop() -> None:
            with admin.connect() as conn:
                conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    try:
        run(url, args)
    finally:
        if drop:
            drop()


def _code(i: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    out = ""
    for _ in range(4):
        i, r = divmod(i, len(alphabet))
        out += alphabet[r]
    return out


def _stats(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return statistics.median(ordered) * 1000, p95 * 1000


def seed_offers(session, n: int, rng, now, Person, Offer, OfferCategory) -> None:
    """``n`` active offers around both areas (one helper per five offers)."""
    cats = ["groceries", "meals", "transport", "childcare", "medical", "housing"]
    helpers = max(1, n // 5)
    session.execute(
        sa.insert(Person),
        [
            {"name": f"Helper {i}", "email": f"h{i}@bench.example.org", "created_at": now}
            for i in range(helpers)
        ],
    )
    first = session.scalar(sa.select(sa.func.min(Person.id)).where(Person.name == "Helper 0"))
    for start in range(0, n, 10000):
        chunk = range(start, min(n, start + 10000))
        offers = []
        for i in chunk:
            lat = 40.7081 + rng.uniform(-0.1, 0.1)
            lng = rng.uniform(-74.3, -73.85)
            offers.append(
                {
                    "helper_id": first + i // 5,
                    "radius_km": rng.choice([1.0, 3.0, 5.0, 10.0]),
                    "lat": lat,
                    "lng": lng,
                    "public_lat": round(lat, 2),
                    "public_lng": round(lng, 2),
                    "location_status": "ok",
                    "availability": {"any_time": True},
                    "capacity": 1,
                    "status": "active",
                    "created_at": now,
                    "updated_at": now,
                    "last_confirmed_at": now,
                }
            )
        session.execute(sa.insert(Offer), offers)
        ids = session.scalars(sa.select(Offer.id).order_by(Offer.id.desc()).limit(len(chunk))).all()
        session.execute(
            sa.insert(OfferCategory),
            [
                {"offer_id": oid, "category": cat}
                for oid in ids
                for cat in rng.sample(cats, rng.randint(1, 3))
            ],
        )
        session.commit()


def run(url: str, args) -> None:
    from flask_migrate import upgrade

    from mutualaid import create_app
    from mutualaid.extensions import db
    from mutualaid.models import Area, Membership, Need, Offer, OfferCategory, Person, Pod
    from mutualaid.models.needs import ACTIVE_STATUSES
    from mutualaid.workspace.queue import queue_page

    app = create_app(
        {
            "MUTUALAID_ENV": "testing",
            "QUEUE_URL": "memory://",
            "DATABASE_URL": url,
            "SMS_BACKEND": "console",
        }
    )
    app.config["WTF_CSRF_ENABLED"] = False
    rng = random.Random(8)
    now = datetime.now(UTC)
    with app.app_context():
        upgrade()
        area = Area(slug="east", name="Eastside", center_lat=40.7081, center_lng=-73.9571)
        other = Area(slug="west", name="Westside", center_lat=40.7081, center_lng=-74.2)
        lee = Person(name="Lee Park", email="lee@example.org", role="coordinator")
        requester = Person(name="Bench Requester", email="bench@example.org")
        helper = Person(name="Bench Helper", email="helper@example.org")
        db.session.add_all([area, other, lee, requester, helper])
        db.session.flush()
        lee.areas.append(area)
        rows = []
        for i in range(args.needs):
            rows.append(
                {
                    "code": _code(i),
                    "requester_id": requester.id,
                    "area_id": area.id if i % 5 else other.id,
                    "category": rng.choice(["groceries", "meals", "transport", "childcare"]),
                    "urgency": "today",
                    "people_needed": 2,
                    "status": rng.choice(["open", "matching", "forming", "forming"]),
                    "unmatched_reason": "No offers within 10 km" if rng.random() < 0.1 else "",
                    "created_at": now - timedelta(minutes=rng.randrange(0, 14 * 24 * 60)),
                    "updated_at": now,
                    "location_status": "none",
                }
            )
        db.session.execute(sa.insert(Need), rows)
        need_ids = db.session.scalars(sa.select(Need.id)).all()
        pods = [
            {"need_id": nid, "code": "PODX", "seats": 2, "seats_taken": 0, "status": "forming"}
            for nid in need_ids
            if nid % 2 == 0
        ]
        db.session.execute(sa.insert(Pod), pods)
        pod_ids = db.session.scalars(sa.select(Pod.id)).all()
        db.session.execute(
            sa.insert(Membership),
            [
                {
                    "pod_id": pid,
                    "person_id": helper.id,
                    "role": "helper",
                    "status": "invited",
                    "invited_at": now,
                    "invite_expires_at": now + timedelta(hours=2),
                    "reasons": [],
                }
                for pid in pod_ids
            ],
        )
        db.session.commit()
        seed_offers(db.session, args.offers, rng, now, Person, Offer, OfferCategory)
        db.session.commit()
        db.session.execute(sa.text("ANALYZE"))  # fresh statistics, as autovacuum would keep
        db.session.commit()
        lee_id = lee.id
        in_scope = db.session.scalar(
            sa.select(sa.func.count()).select_from(Need).where(Need.area_id == area.id)
        )
        offers = db.session.scalar(sa.select(sa.func.count()).select_from(Offer))
        dialect = db.engine.dialect.name

    client = app.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = str(lee_id)
        sess["_fresh"] = True

    def page(url: str):
        def go():
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        return go

    def naive():
        # The naive version without per-row queries: the columns the filter and the order
        # need, for every need; Python does the rest; then the 50 shown needs with their
        # pods and open invitations in one query (no rendering).
        with app.test_request_context():
            viewer = db.session.get(Person, lee_id)
            mine = {a.id for a in viewer.areas}
            rows = db.session.execute(
                sa.select(
                    Need.id, Need.area_id, Need.status, Need.unmatched_reason, Need.created_at
                )
            ).all()
            chosen = [
                (0 if reason else 1, created, nid)
                for nid, area_id, status, reason, created in rows
                if (area_id is None or area_id in mine) and status in ACTIVE_STATUSES
            ]
            chosen.sort()
            ids = [nid for _, _, nid in chosen[:50]]
            invited = (
                sa.select(sa.func.count())
                .where(Membership.pod_id == Pod.id, Membership.status == "invited")
                .scalar_subquery()
            )
            db.session.execute(
                sa.select(Need, Pod.id, Pod.seats, Pod.seats_taken, invited)
                .outerjoin(Pod, Pod.need_id == Need.id)
                .where(Need.id.in_(ids))
            ).all()
            db.session.remove()
            return ids

    cases = [
        ("queue page 1 (paged SQL, rendered)", page("/coordinate/")),
        ("queue page 100 (deep offset, rendered)", page("/coordinate/?page=100")),
        ("naive page 1 (read all, sort in Python; no rendering)", naive),
        (
            "metrics page (8,000 needs by week and category)",
            page("/coordinate/metrics"),
        ),
        ("home page", page("/")),
    ]
    for _, fn in cases:  # warm up
        fn()
    with app.test_request_context():  # the naive version gives the page's answer
        real = queue_page(db.session, db.session.get(Person, lee_id), page=1, per_page=50)
        assert [row.need.id for row in real.rows] == naive(), "naive and queue_page disagree"
        db.session.remove()
    samples = {label: [] for label, _ in cases}
    loads = []
    for r in range(args.repeat):
        loads.append(os.getloadavg()[0])
        for label, fn in cases[r % len(cases) :] + cases[: r % len(cases)]:
            start = time.perf_counter()
            fn()
            samples[label].append(time.perf_counter() - start)
    print(
        f"database: {dialect}; needs: {args.needs}; in the coordinator's areas: {in_scope}; "
        f"offers: {offers}; {args.repeat} rounds, order rotating; load average "
        f"{min(loads):.1f}-{max(loads):.1f}"
    )
    results = {}
    for label, _ in cases:
        p50, p95 = _stats(samples[label])
        results[label] = (p50, p95)
        print(f"{label:58s} p50 {p50:8.2f} ms   p95 {p95:8.2f} ms")
    q50, q95 = results[cases[0][0]]
    h50, h95 = results["home page"]
    n50, n95 = results[cases[2][0]]
    print(f"naive / queue page 1: p50 {n50 / q50:.1f}x   p95 {n95 / q95:.1f}x")
    print(f"queue page 1 / home page: p50 {q50 / h50:.1f}x   p95 {q95 / h95:.1f}x (target <= 5x)")
    d50, d95 = results[cases[1][0]]
    print(f"queue page 100 / home page: p50 {d50 / h50:.1f}x   p95 {d95 / h95:.1f}x")


if __name__ == "__main__":
    main()
