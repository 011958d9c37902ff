"""The open-needs board: bounding box on the snapped point (indexed) vs loading every open
need and filtering by distance in Python, side by side on the same database.

    .venv/bin/python benchmarks/board.py [--needs 20000] [--db sqlite|postgres]

Prints the time per board query for both and their ratio. Needs are spread over a 40 km
square around Brooklyn (a whole city's worth of open needs); the board asks for 3 km.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
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
    from mutualaid.models import Need, Person
    from mutualaid.need_records import CODE_ALPHABET
    from mutualaid.needs import open_board

    app = create_app({"MUTUALAID_ENV": "testing", "QUEUE_URL": "memory://", "DATABASE_URL": url})
    rng = random.Random(7)
    with app.app_context():
        upgrade()
        person = Person(name="Bench Requester", email="bench@example.org")
        db.session.add(person)
        db.session.flush()
        rows = []
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

        def naive():
            found = []
            for need in db.session.scalars(sa.select(Need).where(Need.status == "open")):
                km = haversine_km(*origin, need.public_lat, need.public_lng)
                if km <= 3.0:
                    found.append((km, need))
            found.sort(key=lambda p: p[0])
            return found[:100]

        a, b = boxed(), naive()
        assert {e.id for e in a} <= {n.id for _, n in b} or len(b) >= 100
        t_box, t_naive = [], []
        for _ in range(args.repeat):
            for fn, bucket in ((boxed, t_box), (naive, t_naive)):
                db.session.expunge_all()
                start = time.perf_counter()
                fn()
                bucket.append(time.perf_counter() - start)
        box_ms = statistics.median(t_box) * 1000
        naive_ms = statistics.median(t_naive) * 1000
        print(f"database: {db.engine.dialect.name}; open needs: {open_count}; board rows: {len(a)}")
        print(f"board (bounding box on snapped point, indexed): {box_ms:.2f} ms")
        print(f"load all open needs + haversine in Python:      {naive_ms:.2f} ms")
        print(f"ratio naive / board: {naive_ms / box_ms:.1f}x")


def _code(i: int, alphabet: str) -> str:
    """A distinct 4-character code per row (21^4 > 190,000)."""
    out = ""
    for _ in range(4):
        i, r = divmod(i, len(alphabet))
        out += alphabet[r]
    return out


if __name__ == "__main__":
    main()
