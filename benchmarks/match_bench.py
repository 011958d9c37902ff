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
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from match_data import (
    NOW,
    PG_ADMIN_URL,
    DataSet,
    K,
    analyze,
    generate,
    load,
    zip_centroids,
)


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
