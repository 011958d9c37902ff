"""Matching benchmark: find_matches vs a naive geopy loop vs the raw spatial index.

For each data set size (offers placed around real US ZIP centroids from the ``zipcodes``
package, seeded) and each database (SQLite, PostgreSQL), prints p50 / p95 / p99 latency of

- ``find_matches`` (top 20, category filter, every exclusion, scoring and reasons),
- a naive baseline: a Python loop over ALL offers (category check, then geopy
  ``great_circle``), measured on ``--naive-needs`` needs,
- the raw database floor: PostgreSQL a bare GiST ``ORDER BY point <-> point LIMIT 20``;
  SQLite a bare R*Tree bounding-box query over the need's search box,

and the ratios between them, then a scaling line (how p95 grows from the smallest to the
largest size). Data is loaded with executemany (SQLite) and COPY (PostgreSQL), not the ORM.

    .venv/bin/python benchmarks/match_bench.py                      # 10k, 100k, 1M; both DBs
    .venv/bin/python benchmarks/match_bench.py --sizes 10000 --dbs sqlite   # quick look
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CATEGORIES = (
    "groceries",
    "meals",
    "rides",
    "errands",
    "pet_care",
    "childcare",
    "tech_help",
    "companionship",
)
URGENCIES = (("now", 0.2), ("today", 0.35), ("week", 0.3), ("flexible", 0.15))
RADII_KM = (1.0, 2.0, 3.0, 5.0, 8.0, 10.0, 15.0)
AVAILABILITY = [{"any_time": True}] * 4 + [
    {"any_time": False, "windows": [{"days": [0, 1, 2, 3, 4], "start": "18:00", "end": "21:00"}]},
    {"any_time": False, "windows": [{"days": [5, 6], "start": "09:00", "end": "17:00"}]},
    {"any_time": False, "windows": [{"days": [0, 2, 4], "start": "07:00", "end": "10:00"}]},
    {"any_time": False, "windows": [{"days": [1, 3], "start": "12:00", "end": "15:00"}]},
    {
        "any_time": False,
        "windows": [
            {"days": [0, 1, 2, 3, 4], "start": "17:00", "end": "22:00"},
            {"days": [5], "start": "10:00", "end": "14:00"},
        ],
    },
    {"any_time": False, "windows": [{"days": [4, 5], "start": "20:00", "end": "01:00"}]},
]
# Wednesday 25 Nov 2026, 22:00 UTC = 17:00 in New York (needs without an area use it).
NOW = datetime(2026, 11, 25, 22, 0, tzinfo=UTC)
PG_ADMIN_URL = os.environ.get(
    "BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
K = 20


# ---------------------------------------------------------------- data generation (seeded)
@dataclass
class DataSet:
    size: int
    people: list[dict] = field(default_factory=list)
    offers: list[dict] = field(default_factory=list)
    categories: list[tuple[int, str]] = field(default_factory=list)
    needs: list[dict] = field(default_factory=list)  # measured + warm-up, active
    history_needs: list[dict] = field(default_factory=list)
    pods: list[dict] = field(default_factory=list)
    memberships: list[dict] = field(default_factory=list)
    measured_need_ids: list[int] = field(default_factory=list)
    warmup_need_ids: list[int] = field(default_factory=list)


def zip_centroids() -> list[tuple[float, float]]:
    import zipcodes

    points = []
    for z in zipcodes.list_all():
        lat, lng = float(z["lat"]), float(z["long"])
        if z.get("active", True) and (lat, lng) != (0.0, 0.0):
            points.append((lat, lng))
    return points


def generate(size: int, n_needs: int, warmup: int, seed: int, zips) -> DataSet:
    rng = random.Random(seed * 1_000_003 + size)
    ds = DataSet(size)
    n_helpers = max(1, size * 4 // 5)
    n_requesters = max(10, n_needs + warmup)
    created = NOW - timedelta(days=400)
    for pid in range(1, n_helpers + n_requesters + 1):
        roll = rng.random()
        ds.people.append(
            {
                "id": pid,
                "name": f"Person {pid}",
                "language": "es" if rng.random() < 0.15 else "en",
                "sms_preference": "only" if roll < 0.10 else ("notify" if roll < 0.4 else "none"),
                "sms_consent": "opted_out"
                if roll < 0.01
                else ("opted_in" if roll < 0.4 else "none"),
                "paused_at": created if rng.random() < 0.02 else None,
                "created_at": created,
            }
        )
    for i in range(size):
        oid = i + 1
        lat0, lng0 = zips[rng.randrange(len(zips))]
        # Helper: mostly one offer each; a fifth of offers belong to someone with another.
        helper = 1 + (i if i < n_helpers else rng.randrange(n_helpers))
        ds.offers.append(
            {
                "id": oid,
                "helper_id": helper,
                "lat": lat0 + rng.gauss(0, 0.012),  # ~1.3 km spread around the centroid
                "lng": lng0 + rng.gauss(0, 0.015),
                "radius_km": rng.choice(RADII_KM),
                "availability": json.dumps(rng.choice(AVAILABILITY)),
                "capacity": rng.choice((1, 1, 2, 3)),
                "status": "active",
                "location_status": "ok",
                "last_confirmed_at": NOW - timedelta(days=rng.uniform(0, 60)),
                "created_at": created,
                "updated_at": created,
            }
        )
        for cat in rng.sample(CATEGORIES, rng.choice((1, 1, 2, 3))):
            ds.categories.append((oid, cat))
    # Needs: measured + warm-up, at random ZIPs; requesters are their own people.
    need_id = 0
    for j in range(n_needs + warmup):
        need_id += 1
        lat, lng = zips[rng.randrange(len(zips))]
        urgency = rng.choices([u for u, _ in URGENCIES], [w for _, w in URGENCIES])[0]
        ds.needs.append(
            {
                "id": need_id,
                "code": _code(need_id),
                "requester_id": n_helpers + 1 + (j % n_requesters),
                "category": rng.choice(CATEGORIES),
                "urgency": urgency,
                "status": "open",
                "lat": lat + rng.gauss(0, 0.01),
                "lng": lng + rng.gauss(0, 0.01),
                "location_status": "ok",
                "created_at": NOW - timedelta(minutes=5),
                "updated_at": NOW - timedelta(minutes=5),
            }
        )
        (ds.warmup_need_ids if j < warmup else ds.measured_need_ids).append(need_id)
    # Pod history: one resolved (or still active) pod per 100 offers, 2-3 helpers each.
    mid = 0
    for pod_id in range(1, size // 100 + 1):
        need_id += 1
        when = NOW - timedelta(days=rng.uniform(0, 60))
        active = rng.random() < 0.2
        ds.history_needs.append(
            {
                "id": need_id,
                "code": _code(need_id),
                "requester_id": n_helpers + 1 + rng.randrange(n_requesters),
                "category": rng.choice(CATEGORIES),
                "urgency": "today",
                "status": "active" if active else "resolved",
                "lat": None,
                "lng": None,
                "location_status": "none",
                "created_at": when,
                "updated_at": when,
            }
        )
        ds.pods.append(
            {
                "id": pod_id,
                "need_id": need_id,
                "code": _code(need_id),
                "seats": 3,
                "status": "active" if active else "resolved",
                "created_at": when,
            }
        )
        for person in rng.sample(range(1, n_helpers + 1), rng.choice((2, 3))):
            mid += 1
            ds.memberships.append(
                {
                    "id": mid,
                    "pod_id": pod_id,
                    "person_id": person,
                    "role": "helper",
                    "status": rng.choices(("accepted", "declined", "expired"), (5, 3, 2))[0],
                    "invited_at": when,
                    "reasons": "[]",
                }
            )
    return ds


def _code(n: int) -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    out = ""
    for _ in range(4):
        n, r = divmod(n, len(alphabet))
        out += alphabet[r]
    return out


# ---------------------------------------------------------------- bulk loading
TABLE_ORDER = ("people", "offers", "offer_categories", "needs", "pods", "memberships")


def _rows(table, records: list[dict], dialect: str):
    """Column names and value tuples for ``records``; columns the records do not name get
    the model's default (so new NOT NULL columns with defaults keep the loader working)."""
    from sqlalchemy import JSON

    cols = list(table.columns)
    fixed = {}
    for col in cols:
        default = col.default
        if default is None:
            fixed[col.name] = None
        elif default.is_scalar:
            fixed[col.name] = default.arg
        elif default.is_callable:
            fixed[col.name] = default.arg(None)
        else:
            fixed[col.name] = None
    names = [c.name for c in cols]
    json_cols = {c.name for c in cols if isinstance(c.type, JSON)}

    def convert(name, value):
        if name in json_cols and not isinstance(value, str):
            return json.dumps(value)
        if isinstance(value, datetime):
            if dialect == "sqlite":
                return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
            return value
        return value

    base = {n: convert(n, fixed[n]) for n in names}
    out = []
    for rec in records:
        row = dict(base)
        for k, v in rec.items():
            row[k] = convert(k, v)
        out.append(tuple(row[n] for n in names))
    return names, out


def load(engine, ds: DataSet) -> float:
    """Bulk-load ``ds``; returns seconds taken."""
    from mutualaid.models import Base

    dialect = engine.dialect.name
    tables = Base.metadata.tables
    records = {
        "people": ds.people,
        "offers": ds.offers,
        "offer_categories": [{"offer_id": o, "category": c} for o, c in ds.categories],
        "needs": ds.needs + ds.history_needs,
        "pods": ds.pods,
        "memberships": ds.memberships,
    }
    t0 = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if dialect == "postgresql":
            # Skip per-row triggers (FK checks and the offer_spots sync) during COPY, then
            # fill offer_spots and build its GiST index in one statement each with the
            # migration's own SQL (the property tests cover the trigger path).
            cur.execute("DROP INDEX IF EXISTS ix_offer_spots_category_pt")
            cur.execute("SET session_replication_role = replica")
        else:
            cur.execute("PRAGMA synchronous=OFF")
            cur.execute("BEGIN")
        for name in TABLE_ORDER:
            names, rows = _rows(tables[name], records[name], dialect)
            if dialect == "sqlite":
                marks = ", ".join("?" * len(names))
                cur.executemany(f"INSERT INTO {name} ({', '.join(names)}) VALUES ({marks})", rows)
            else:
                with cur.copy(f"COPY {name} ({', '.join(names)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            del rows
        if dialect == "postgresql":
            cur.execute("SET session_replication_role = origin")
            migration = _migration_0004()
            cur.execute(migration.POSTGRES_POPULATE)
            cur.execute(migration.POSTGRES_SPOTS_INDEX)
        raw.commit()
    finally:
        raw.close()
    return time.perf_counter() - t0


def _migration_0004():
    """The matching migration module (its SQL fills offer_spots after COPY)."""
    import importlib.util

    from mutualaid.settings import PROJECT_ROOT

    path = PROJECT_ROOT / "mutualaid" / "migrations" / "versions" / "0004_matching.py"
    spec = importlib.util.spec_from_file_location("migration_0004", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def analyze(engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    else:
        engine.dispose()  # no pooled connection may hold the WAL open
        with engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
            # Fold the bulk load's write-ahead log into the database file: reads through a
            # large un-checkpointed WAL are slower and would not be production's state.
            busy, _log, _done = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
            if busy:
                raise RuntimeError("could not checkpoint the WAL after loading")


# ---------------------------------------------------------------- measurements
def percentiles(samples: list[float]) -> tuple[float, float, float]:
    """p50, p95, p99 in ms (nearest-rank)."""
    xs = sorted(samples)

    def rank(p: float) -> float:
        return xs[min(len(xs) - 1, max(0, round(p / 100 * len(xs) + 0.5) - 1))] * 1000

    return rank(50), rank(95), rank(99)


def measure_find_matches(session, need_ids, warmup_ids) -> tuple[list[float], list[int]]:
    from mutualaid.matching import find_matches
    from mutualaid.models import Need

    needs = {n.id: n for n in session.query(Need).filter(Need.id.in_(need_ids + warmup_ids))}
    for nid in warmup_ids:
        find_matches(session, needs[nid], limit=K, now=NOW)
    times, counts = [], []
    gc.collect()
    for nid in need_ids:
        t0 = time.perf_counter()
        matches = find_matches(session, needs[nid], limit=K, now=NOW)
        times.append(time.perf_counter() - t0)
        counts.append(len(matches))
    return times, counts


def search_box_radius(need: dict) -> float:
    from mutualaid.matching import search_radius_km

    return search_radius_km(need["urgency"])


def measure_floor(engine, ds: DataSet, need_ids) -> list[float]:
    """The bare index query through the raw driver, for the same needs."""
    from mutualaid.geo.distance import bounding_boxes

    by_id = {n["id"]: n for n in ds.needs}
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        times = []
        sqlite = engine.dialect.name == "sqlite"
        codes = {}
        if sqlite:
            cur.execute("SELECT category, code FROM offer_rtree_codes")
            codes = dict(cur.fetchall())
        for warm in (True, False):
            for nid in need_ids[:50] if warm else need_ids:
                need = by_id[nid]
                t0 = time.perf_counter()
                if sqlite:
                    code = codes.get(need["category"], -1)
                    for b in bounding_boxes(need["lat"], need["lng"], search_box_radius(need)):
                        cur.execute(
                            "SELECT id FROM offer_rtree WHERE max_lat >= ? AND min_lat <= ?"
                            " AND max_lng >= ? AND min_lng <= ? AND min_cat <= ? AND max_cat >= ?",
                            (b.min_lat, b.max_lat, b.min_lng, b.max_lng, code, code),
                        )
                        cur.fetchall()
                else:
                    cur.execute(
                        "SELECT offer_id FROM offer_spots WHERE category = %s"
                        " ORDER BY pt <-> point(%s, %s) LIMIT 20",
                        (need["category"], need["lng"], need["lat"]),
                    )
                    cur.fetchall()
                if not warm:
                    times.append(time.perf_counter() - t0)
        raw.rollback()
    finally:
        raw.close()
    return times


def measure_naive(ds: DataSet, need_ids) -> list[float]:
    """A Python loop over every offer: category check, geopy great_circle, both radii."""
    from geopy.distance import great_circle

    cats: dict[int, set[str]] = {}
    for oid, cat in ds.categories:
        cats.setdefault(oid, set()).add(cat)
    offers = [(o["id"], o["lat"], o["lng"], o["radius_km"], cats[o["id"]]) for o in ds.offers]
    by_id = {n["id"]: n for n in ds.needs}
    times = []
    for nid in need_ids:
        need = by_id[nid]
        here, radius, category = (
            (need["lat"], need["lng"]),
            search_box_radius(need),
            need["category"],
        )
        t0 = time.perf_counter()
        found = []
        for oid, lat, lng, reach, offer_cats in offers:
            if category in offer_cats:
                d = great_circle(here, (lat, lng)).km
                if d <= radius and d <= reach:
                    found.append((d, oid))
        found.sort()
        found[:K]
        times.append(time.perf_counter() - t0)
    return times


# ---------------------------------------------------------------- databases
def fresh_database(kind: str, size: int):
    """A new empty database URL for ``kind`` and a function that removes it."""
    import sqlalchemy as sa

    if kind == "sqlite":
        path = Path(tempfile.gettempdir()) / f"match_bench_{size}_{uuid.uuid4().hex[:6]}.db"

        def drop():
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)

        return f"sqlite:///{path}", drop
    name = f"match_bench_{size}_{uuid.uuid4().hex[:6]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    url = sa.make_url(PG_ADMIN_URL).set(database=name)
    return url.render_as_string(hide_password=False), drop


def run_db(kind: str, ds: DataSet) -> dict:
    from flask_migrate import upgrade

    from mutualaid import create_app
    from mutualaid.extensions import db

    url, drop = fresh_database(kind, ds.size)
    try:
        app = create_app(
            {
                "MUTUALAID_ENV": "testing",
                "DATABASE_URL": url,
                "QUEUE_URL": "memory://",
                "SMS_BACKEND": "console",
                "LOG_LEVEL": "WARNING",
            }
        )
        with app.app_context():
            upgrade()
            load_s = load(db.engine, ds)
            analyze(db.engine)
            fm, counts = measure_find_matches(db.session, ds.measured_need_ids, ds.warmup_need_ids)
            db.session.rollback()
            floor = measure_floor(db.engine, ds, ds.measured_need_ids)
            db.session.remove()
            db.engine.dispose()
        return {"load_s": load_s, "fm": fm, "floor": floor, "counts": counts}
    finally:
        drop()


# ---------------------------------------------------------------- report
def fmt(p):
    return " / ".join(f"{x:8.2f}" for x in p)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--dbs", default="sqlite,postgres")
    parser.add_argument("--needs", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--naive-needs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = [k.strip() for k in args.dbs.split(",")]

    import logging

    logging.disable(logging.INFO)
    zips = zip_centroids()
    print(
        f"match_bench: {len(zips)} ZIP centroids, seed {args.seed}, {args.needs} needs "
        f"(+{args.warmup} warm-up), top {K}, naive on {args.naive_needs} needs; "
        f"{os.cpu_count()} CPUs; latencies in ms (p50 / p95 / p99)",
        flush=True,
    )
    results = {}
    for size in sizes:
        t0 = time.perf_counter()
        ds = generate(size, args.needs, args.warmup, args.seed, zips)
        gen_s = time.perf_counter() - t0
        naive = measure_naive(ds, ds.measured_need_ids[: args.naive_needs])
        print(f"\n== {size:,} offers (generated in {gen_s:.1f} s) ==", flush=True)
        print(f"  naive geopy loop           {fmt(percentiles(naive))}", flush=True)
        for kind in kinds:
            r = run_db("postgresql" if kind.startswith("post") else "sqlite", ds)
            fm, fl, nv = percentiles(r["fm"]), percentiles(r["floor"]), percentiles(naive)
            results[(kind, size)] = fm
            floor_name = "GiST <-> LIMIT 20" if kind.startswith("post") else "R*Tree bbox+cat"
            print(
                f"  {kind:<8} find_matches      {fmt(fm)}   "
                f"(load {r['load_s']:.1f} s; median {statistics.median(r['counts']):.0f}, "
                f"{sum(1 for c in r['counts'] if c == 0)} needs with none)",
                flush=True,
            )
            print(f"  {kind:<8} floor {floor_name:<17}{fmt(fl)}", flush=True)
            print(
                f"  {kind:<8} ratios: naive/find_matches p50 {nv[0] / fm[0]:,.0f}x, "
                f"p99 {nv[2] / fm[2]:,.0f}x; find_matches/floor p50 {fm[0] / fl[0]:.1f}x, "
                f"p95 {fm[1] / fl[1]:.1f}x, p99 {fm[2] / fl[2]:.1f}x",
                flush=True,
            )
        del ds
        gc.collect()
    if len(sizes) > 1:
        lo, hi = min(sizes), max(sizes)
        print(f"\nscaling {lo:,} -> {hi:,} offers (x{hi / lo:,.0f} data):")
        for kind in kinds:
            a, b = results[(kind, lo)][1], results[(kind, hi)][1]
            print(f"  {kind:<8} find_matches p95 {a:.2f} ms -> {b:.2f} ms (x{b / a:.1f})")


if __name__ == "__main__":
    main()
