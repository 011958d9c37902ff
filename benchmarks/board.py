"""The open-needs board: bounding box on the snapped point (indexed) vs the naive read (the
four columns the answer depends on of every open need, distance in Python), side by side on
the same database, interleaved in rounds, with the load average.

    .venv/bin/python benchmarks/board.py [--needs 20000] [--db sqlite|postgres]

Prints p50 / p95 per board query for both and their ratio. Needs are spread over a 40 km
square around Brooklyn (a whole city's worth of open needs); the board asks for 3 km. Both
must return the same set of needs (checked before timing). The board also joins the
requester's name and the area's units, which the naive read skips.
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
    parser.add_argument("--needs", type=int, default=20000)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=30)
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


def run(url: str, args) -> None:
    from flask_migrate import upgrade

    from mutualaid import create_app
    from mutualaid.extensions import db
    from mutualaid.geo.distance import haversine_km
    from mutualaid.geo.grid import snap
    from mutualaid.locations import round_km
    from mutualaid.models import Need, Person
    from mutualaid.need_records import CODE_ALPHABET
    from mutualaid.needs import open_board
    from mutualaid.policy import BOARD_STATUSES

    app = create_app({"MUTUALAID_ENV": "testing", "QUEUE_URL": "memory://", "DATABASE_URL": url})
    rng = random.Random(7)
    with app.app_context():
        upgrade()
        person = Person(name="Bench Requester", email="bench@example.org")
        db.session.add(person)
        db.session.flush()
        rows = []
        start_time = datetime.now(UTC)
        for i in range(args.needs):
            lat = 40.60 + rng.random() * 0.36  # ~40 km
            lng = -74.10 + rng.random() * 0.47
            plat, plng = snap(lat, lng)
            rows.append(
                {
                    "code": _code(i, CODE_ALPHABET),
                    "requester_id": person.id,
                    "category": rng.choice(["groceries", "meals", "transport"]),
                    "status": "open" if rng.random() < 0.5 else "resolved",
                    "lat": lat,
                    "lng": lng,
                    "public_lat": plat,
                    "public_lng": plng,
                    "location_status": "ok",
                    # distinct times: the board's order (distance, newest) has no ties
                    "created_at": start_time - timedelta(seconds=i),
                }
            )
        db.session.execute(sa.insert(Need), rows)
        db.session.commit()
        open_count = db.session.scalar(
            sa.select(sa.func.count()).select_from(Need).where(Need.status == "open")
        )
        origin = snap(40.7142, -73.9614)

        def boxed():
            return open_board(db.session, origin=origin, radius_km=3.0, limit=100)

        statuses = tuple(BOARD_STATUSES)

        def naive():
            # The naive read: every open need's id and place (no index can help), distance
            # in Python, then the times of those within the radius (one more query), and
            # the board's own order: nearest (rounded to half a kilometre), then newest.
            near = {}
            rows = db.session.execute(
                sa.select(Need.id, Need.public_lat, Need.public_lng).where(
                    Need.status.in_(statuses)
                )
            )
            for nid, lat, lng in rows:
                if lat is None or lng is None:
                    continue
                km = haversine_km(*origin, lat, lng)
                if km <= 3.0:
                    near[nid] = round_km(km)
            times = db.session.execute(
                sa.select(Need.id, Need.created_at).where(Need.id.in_(list(near)))
            )
            found = sorted((near[nid], -created.timestamp(), nid) for nid, created in times)
            return [nid for _, _, nid in found[:100]]

        a, b = boxed(), naive()
        in_reach = sum(
            1
            for lat, lng in db.session.execute(
                sa.select(Need.public_lat, Need.public_lng).where(Need.status.in_(statuses))
            )
            if haversine_km(*origin, lat, lng) <= 3.0
        )
        assert len(a) == min(100, in_reach), (len(a), in_reach)
        assert {e.id for e in a} == set(b), "the board and the naive read disagree"
        t_box, t_naive, loads = [], [], []
        for r in range(args.repeat):
            loads.append(os.getloadavg()[0])
            pair = ((boxed, t_box), (naive, t_naive))
            for fn, bucket in pair if r % 2 == 0 else pair[::-1]:
                db.session.expunge_all()
                start = time.perf_counter()
                fn()
                bucket.append(time.perf_counter() - start)
        loads.append(os.getloadavg()[0])
        box_ms, box95 = _p50_p95(t_box)
        naive_ms, naive95 = _p50_p95(t_naive)
        print(
            f"database: {db.engine.dialect.name}; open needs: {open_count}; within 3 km: "
            f"{in_reach}; board rows: {len(a)} (same set as the naive read); {args.repeat} "
            f"alternating rounds; load average {min(loads):.1f}-{max(loads):.1f}"
        )
        print(
            f"board (bounding box on snapped point, indexed): p50 {box_ms:.2f} ms, p95 {box95:.2f}"
        )
        print(
            f"naive read (id and place of every open need, then times): p50 {naive_ms:.2f} ms, "
            f"p95 {naive95:.2f}"
        )
        print(f"ratio naive / board: p50 {naive_ms / box_ms:.1f}x, p95 {naive95 / box95:.1f}x")


def _p50_p95(samples: list[float]) -> tuple[float, float]:
    xs = sorted(samples)
    return statistics.median(xs) * 1000, xs[max(0, round(0.95 * len(xs)) - 1)] * 1000


def _code(i: int, alphabet: str) -> str:
    """A distinct 4-character code per row (21^4 > 190,000)."""
    out = ""
    for _ in range(4):
        i, r = divmod(i, len(alphabet))
        out += alphabet[r]
    return out


if __name__ == "__main__":
    main()
