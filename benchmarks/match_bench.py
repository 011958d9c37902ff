"""Matching benchmark: find_matches beside the exact SQL floor, a naive Python loop and the
PostgreSQL KNN query, on the same needs, interleaved in rounds, with the load average.

For each data set size (offers placed around real US ZIP centroids from the ``zipcodes``
package, seeded; needs drawn where the offers are, a ZIP in proportion to its offers) and
each database (SQLite, PostgreSQL), prints p50 / p95 / p99 latency of

- ``find_matches``: top 20 with every exclusion, availability, pod history, scoring and
  rendered reasons;
- **floor**: the fastest exact SQL for the same candidate set, without scoring: the spatial
  index box, the category, exact haversine within both radii and the people filters
  (requester, paused, suspended, unreachable, expired offers) in one statement through the
  bare driver cursor, returning the offer ids. A lower bound for any exact matcher that
  must at least know who is in reach (it skips availability, history and ranking);
- **naive**: a plain Python loop over every offer held in memory (no database): category,
  exclusions, haversine within both radii, availability, capacity and pod history (read
  once before timing, so the loop is spared those reads), scoring and the same ranking; its
  answer is compared with find_matches' (person and offer, in order) and mismatches are
  counted;
- **KNN** (PostgreSQL only, a reference, not a bound): ``ORDER BY pt <-> point LIMIT 20`` on
  the GiST index. It answers a different question (the 20 nearest entries of the category,
  in reach or not).

Each side runs on the same needs, in ``--rounds`` rounds of a slice of the needs each,
the sides' order rotating per round, so load from other work hits every side alike. The
1-minute load average is sampled every round and printed beside each figure. A percentile
is printed only when at least five samples lie above it (p95 from 100 samples, p99 from
500); otherwise "-". Data is loaded with executemany (SQLite) and COPY (PostgreSQL).

    .venv/bin/python benchmarks/match_bench.py                      # 10k, 100k, 1M; both DBs
    .venv/bin/python benchmarks/match_bench.py --sizes 10000 --dbs sqlite   # quick look
    .venv/bin/python benchmarks/match_bench.py --sizes 1000000 --keep       # keep and reuse
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
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

EARTH_KM = 6371.0088  # mutualaid.geo.distance.EARTH_RADIUS_KM


# ---------------------------------------------------------------- measurements
def loadavg() -> float:
    return os.getloadavg()[0]


def percentiles(samples: list[float]) -> tuple[float | None, float | None, float | None]:
    """p50, p95, p99 in ms (nearest rank); None where fewer than 5 samples lie above."""
    xs = sorted(samples)
    n = len(xs)

    def rank(p: float) -> float | None:
        if not xs or (p > 50 and n * (100 - p) / 100 < 5):
            return None
        return xs[min(n - 1, max(0, round(p / 100 * n + 0.5) - 1))] * 1000

    return rank(50), rank(95), rank(99)


def fmt(p) -> str:
    return " / ".join(f"{x:8.2f}" if x is not None else "       -" for x in p)


def ratio(a, b) -> str:
    pairs = zip(a, b, strict=True)
    return " / ".join(f"{x / y:.1f}x" if x and y else "-" for x, y in pairs)


def load_range(loads: list[float]) -> str:
    return f"load {min(loads):.1f}-{max(loads):.1f} (median {statistics.median(loads):.1f})"


# ---------------------------------------------------------------- the floor
_HAVERSINE = (
    "2 * {R} * asin(min(1.0, sqrt("
    "power(sin(radians({lat} - :lat) / 2), 2) + cos(radians(:lat)) * cos(radians({lat}))"
    " * power(sin(radians({lng} - :lng) / 2), 2))))"
)
FLOOR_SQLITE = f"""
SELECT r.offer_id FROM offer_rtree AS r JOIN people AS p ON p.id = r.helper_id
WHERE r.min_cat <= :code AND r.max_cat >= :code
  AND r.max_lat >= :min_lat AND r.min_lat <= :max_lat
  AND r.max_lng >= :min_lng AND r.min_lng <= :max_lng
  AND (r.expires_at IS NULL OR r.expires_at > :now) AND r.helper_id <> :requester_id
  AND p.paused_at IS NULL AND p.suspended_at IS NULL
  AND NOT (p.sms_preference = 'only' AND p.sms_consent = 'opted_out')
  AND {_HAVERSINE.format(R=EARTH_KM, lat="r.lat", lng="r.lng")} <= min(:radius, r.radius_km)
"""
FLOOR_POSTGRES = f"""
SELECT s.offer_id FROM offer_spots AS s JOIN people AS p ON p.id = s.helper_id
WHERE s.category = %(category)s
  AND s.pt <@ box(point(%(min_lng)s, %(min_lat)s), point(%(max_lng)s, %(max_lat)s))
  AND (s.expires_at IS NULL OR s.expires_at > %(now)s) AND s.helper_id <> %(requester_id)s
  AND p.paused_at IS NULL AND p.suspended_at IS NULL
  AND NOT (p.sms_preference = 'only' AND p.sms_consent = 'opted_out')
  AND {
    _HAVERSINE.replace("min(", "least(")
    .replace(":lat", "%(lat)s")
    .replace(":lng", "%(lng)s")
    .format(R=EARTH_KM, lat="s.lat", lng="s.lng")
}
      <= least(%(radius)s, s.radius_km)
"""
KNN_POSTGRES = (
    "SELECT offer_id FROM offer_spots WHERE category = %s ORDER BY pt <-> point(%s, %s) LIMIT 20"
)


class Floor:
    """The floor (and KNN) queries through the bare driver cursor of one connection."""

    def __init__(self, engine) -> None:
        self.raw = engine.raw_connection()
        self.cur = self.raw.cursor()
        self.sqlite = engine.dialect.name == "sqlite"
        self.codes = {}
        if self.sqlite:
            self.cur.execute("SELECT category, code FROM offer_rtree_codes")
            self.codes = dict(self.cur.fetchall())

    def floor(self, need: dict, radius: float) -> set[int]:
        from mutualaid.geo.distance import bounding_boxes

        out: set[int] = set()
        for b in bounding_boxes(need["lat"], need["lng"], radius):
            params = {
                "lat": need["lat"],
                "lng": need["lng"],
                "radius": radius,
                "min_lat": b.min_lat - 1e-9,
                "max_lat": b.max_lat + 1e-9,
                "min_lng": b.min_lng - 1e-9,
                "max_lng": b.max_lng + 1e-9,
                "requester_id": need["requester_id"],
                "category": need["category"],
                "code": self.codes.get(need["category"], -1),
                "now": NOW.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else NOW,
            }
            self.cur.execute(FLOOR_SQLITE if self.sqlite else FLOOR_POSTGRES, params)
            out.update(r[0] for r in self.cur.fetchall())
        return out

    def knn(self, need: dict) -> None:
        self.cur.execute(KNN_POSTGRES, (need["category"], need["lng"], need["lat"]))
        self.cur.fetchall()

    def close(self) -> None:
        self.raw.rollback()
        self.raw.close()


# ---------------------------------------------------------------- the naive loop
class Naive:
    """Every offer in memory, filtered, scored and ranked in plain Python per need."""

    def __init__(self, ds: DataSet, history: dict) -> None:
        cats: dict[int, set[str]] = {}
        for oid, cat in ds.categories:
            cats.setdefault(oid, set()).add(cat)
        self.people = {
            p["id"]: (
                p["paused_at"] is not None
                or p.get("suspended_at") is not None
                or (p["sms_preference"] == "only" and p["sms_consent"] == "opted_out"),
                p["language"],
            )
            for p in ds.people
        }
        self.offers = [
            (
                frozenset(cats.get(o["id"], ())),
                o["id"],
                o["helper_id"],
                o["lat"],
                o["lng"],
                o["radius_km"],
                o["availability"],
                o["capacity"],
                o["last_confirmed_at"],
                o.get("expires_at"),
            )
            for o in ds.offers
            if o["status"] == "active"
        ]
        self.history = history

    def match(self, need: dict, radius: float) -> list[tuple[int, int]]:
        from math import asin, cos, radians, sin, sqrt

        from mutualaid.matching.availability import fits, horizon_for, zone
        from mutualaid.matching.candidates import NO_HISTORY
        from mutualaid.matching.config import load_config
        from mutualaid.matching.scoring import Candidate, Context, NeedFacts, score_value

        cfg = load_config()
        horizon = horizon_for(
            need["urgency"], NOW, zone(None, cfg.default_timezone), dict(cfg.horizon_hours)
        )
        facts = NeedFacts(
            category=need["category"],
            urgency=need["urgency"],
            language=self.people[need["requester_id"]][1],
            radius_km=radius,
        )
        context = Context(now=NOW, config=cfg)
        category, requester = need["category"], need["requester_id"]
        lat1, lng1 = radians(need["lat"]), radians(need["lng"])
        cos1 = cos(lat1)
        best: dict[int, tuple] = {}
        for cats, oid, pid, lat, lng, reach, avail, cap, confirmed, expires in self.offers:
            if category not in cats or pid == requester:
                continue
            if expires is not None and expires <= NOW:
                continue
            excluded, language = self.people[pid]
            if excluded:
                continue
            lat2 = radians(lat)
            a = sin((lat2 - lat1) / 2) ** 2 + cos1 * cos(lat2) * sin((radians(lng) - lng1) / 2) ** 2
            d = 2 * EARTH_KM * asin(min(1.0, sqrt(a)))
            if d > radius or d > reach:
                continue
            when = fits(avail, horizon)
            if when is None:
                continue
            past = self.history.get(pid, NO_HISTORY)
            if past.seated >= cap or past.invited_to_need:
                continue
            c = Candidate(
                offer_id=oid,
                person_id=pid,
                distance_km=d,
                offer_radius_km=reach,
                capacity=cap,
                seated=past.seated,
                asked_recently=past.asked_recently,
                accepted=past.accepted,
                declined=past.declined,
                no_reply=past.no_reply,
                language=language,
                last_confirmed_at=confirmed,
                when=when,
                recent_load=past.recent_load,
                open_elsewhere=past.open_elsewhere,
            )
            asked = past.last_asked_at.timestamp() if past.last_asked_at else 0.0
            key = (-round(score_value(facts, c, context), 1), asked, d, oid)
            current = best.get(pid)
            if current is None or key < current[:4]:
                best[pid] = (*key, pid)
        return [(item[4], item[3]) for item in sorted(best.values())[:K]]


def all_history(session, ds: DataSet) -> dict:
    """Every helper's pod history as matching reads it (the naive loop gets it for free)."""
    from mutualaid.matching.candidates import membership_stats
    from mutualaid.matching.config import load_config

    cfg = load_config()
    return membership_stats(
        session,
        {m["person_id"] for m in ds.memberships},
        need_id=None,
        now=NOW,
        fairness_days=cfg.fairness_window_days,
        history_days=cfg.response_window_days,
    )


# ---------------------------------------------------------------- databases
def database(kind: str, size: int, seed: int, n_needs: int, keep: bool):
    """(url, drop, exists) for a database for this run: a new throwaway one, or with
    ``keep`` a named one that later runs with the same arguments reuse."""
    import sqlalchemy as sa

    tag = f"{size}_{seed}_{n_needs}" if keep else f"{size}_{uuid.uuid4().hex[:6]}"
    if kind == "sqlite":
        path = Path(tempfile.gettempdir()) / f"match_bench_{tag}.db"
        exists = keep and path.exists()

        def drop():
            for suffix in ("", "-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)

        return f"sqlite:///{path}", drop, exists
    name = f"match_bench_{tag}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = bool(
            conn.exec_driver_sql("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).first()
        )
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')

    def drop():
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()

    url = sa.make_url(PG_ADMIN_URL).set(database=name)
    return url.render_as_string(hide_password=False), drop, exists


def run_db(kind: str, ds: DataSet, args, naive_ids: set[int]) -> dict:
    from flask_migrate import upgrade

    from mutualaid import create_app
    from mutualaid.extensions import db
    from mutualaid.matching import find_matches, search_radius_km
    from mutualaid.matching.candidates import spatial_candidates
    from mutualaid.models import Need

    url, drop, exists = database(kind, ds.size, args.seed, args.needs, args.keep)
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
            load_s = None
            if not exists:
                load_s = load(db.engine, ds)
                analyze(db.engine)
            session = db.session
            naive = Naive(ds, all_history(session, ds))
            session.rollback()
            by_id = {n["id"]: n for n in ds.needs}
            orm = {n.id: n for n in session.query(Need)}
            floor = Floor(db.engine)
            radius = {nid: search_radius_km(n["urgency"]) for nid, n in by_id.items()}

            # Warm-up (not timed), and the floor checked against the app's candidate set.
            floor_mismatch = 0
            for nid in ds.warmup_need_ids:
                find_matches(session, orm[nid], limit=K, now=NOW)
                got = floor.floor(by_id[nid], radius[nid])
                want = {
                    h.offer_id
                    for h in spatial_candidates(
                        session,
                        lat=by_id[nid]["lat"],
                        lng=by_id[nid]["lng"],
                        radius_km=radius[nid],
                        category=by_id[nid]["category"],
                        requester_id=by_id[nid]["requester_id"],
                        now=NOW,
                    )
                }
                floor_mismatch += got != want
                if kind == "postgresql":
                    floor.knn(by_id[nid])

            results: dict[int, list] = {}
            in_reach: dict[int, int] = {}
            naive_answer: dict[int, list] = {}

            def fm(nid):
                results[nid] = find_matches(session, orm[nid], limit=K, now=NOW)

            def fl(nid):
                in_reach[nid] = len(floor.floor(by_id[nid], radius[nid]))

            def kn(nid):
                floor.knn(by_id[nid])

            def nv(nid):
                naive_answer[nid] = naive.match(by_id[nid], radius[nid])

            sides: list[tuple[str, Callable, list[int]]] = [
                ("find_matches", fm, ds.measured_need_ids),
                ("floor", fl, ds.measured_need_ids),
                ("naive", nv, [i for i in ds.measured_need_ids if i in naive_ids]),
            ]
            if kind == "postgresql":
                sides.append(("knn", kn, ds.measured_need_ids))
            times = {name: {} for name, _, _ in sides}
            loads: list[float] = []
            rounds = max(1, args.rounds)
            gc.collect()
            for r in range(rounds):
                loads.append(loadavg())
                order = sides[r % len(sides) :] + sides[: r % len(sides)]
                for name, fn, ids in order:
                    chunk = ids[r::rounds]
                    for nid in chunk:
                        t0 = time.perf_counter()
                        fn(nid)
                        times[name][nid] = time.perf_counter() - t0
            loads.append(loadavg())
            floor.close()
            session.rollback()
            mismatches = sum(
                1
                for nid, answer in naive_answer.items()
                if answer != [(m.person_id, m.offer_id) for m in results[nid]]
            )
            session.remove()
            db.engine.dispose()
        return {
            "load_s": load_s,
            "times": times,
            "loads": loads,
            "counts": [len(results[n]) for n in ds.measured_need_ids],
            "in_reach": [in_reach[n] for n in ds.measured_need_ids],
            "naive_ids": sorted(naive_answer),
            "naive_mismatch": mismatches,
            "floor_mismatch": floor_mismatch,
            "slowest": sorted(times["find_matches"].items(), key=lambda kv: -kv[1])[:5],
        }
    finally:
        if not args.keep:
            drop()


# ---------------------------------------------------------------- report
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--dbs", default="sqlite,postgres")
    parser.add_argument("--needs", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument(
        "--naive-needs",
        type=int,
        default=None,
        help="needs the naive loop runs on (default: all up to 100k offers, 100 above)",
    )
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--keep", action="store_true", help="keep the databases and reuse them")
    parser.add_argument("--json", help="also write the raw figures to this file")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    kinds = [
        "postgresql" if k.strip().startswith("post") else "sqlite" for k in args.dbs.split(",")
    ]

    import logging

    logging.disable(logging.INFO)
    zips = zip_centroids()
    print(
        f"match_bench: {len(zips)} ZIP centroids, seed {args.seed}, {args.needs} needs "
        f"(+{args.warmup} warm-up) drawn in proportion to offers, top {K}, {args.rounds} "
        f"interleaved rounds; {os.cpu_count()} CPUs; latencies in ms (p50 / p95 / p99; '-' "
        "where fewer than 5 samples lie above); load = 1-minute load average over the rounds",
        flush=True,
    )
    report = {}
    for size in sizes:
        t0 = time.perf_counter()
        ds = generate(size, args.needs, args.warmup, args.seed, zips)
        gen_s = time.perf_counter() - t0
        n_naive = args.naive_needs
        if n_naive is None:
            n_naive = args.needs if size <= 100_000 else min(args.needs, 100)
        step = max(1, len(ds.measured_need_ids) // max(1, n_naive))
        naive_ids = set(ds.measured_need_ids[::step][:n_naive])
        print(f"\n== {size:,} offers (generated in {gen_s:.1f} s) ==", flush=True)
        for kind in kinds:
            r = run_db(kind, ds, args, naive_ids)
            t = r["times"]
            lr = load_range(r["loads"])
            fm_all = [t["find_matches"][n] for n in ds.measured_need_ids]
            fm, fl = percentiles(fm_all), percentiles(list(t["floor"].values()))
            counts, reach = r["counts"], r["in_reach"]
            loaded = f"loaded in {r['load_s']:.0f} s" if r["load_s"] is not None else "reused"
            print(
                f"  {kind:<10} ({loaded}) needs with >= 1 helper in reach "
                f"{sum(1 for c in reach if c) / len(reach):.0%}, with >= 1 match "
                f"{sum(1 for c in counts if c) / len(counts):.0%}; in reach median "
                f"{statistics.median(reach):.0f}, max {max(reach)}; matches median "
                f"{statistics.median(counts):.0f}",
                flush=True,
            )
            print(f"    find_matches         {fmt(fm)}   {lr}")
            print(f"    floor (exact SQL)    {fmt(fl)}   same rounds")
            print(f"    find_matches / floor {ratio(fm, fl)}")
            if "knn" in t:
                kn = percentiles(list(t["knn"].values()))
                print(f"    KNN <-> LIMIT 20     {fmt(kn)}   (reference, not a bound)")
            nids = r["naive_ids"]
            nv = percentiles([t["naive"][n] for n in nids])
            fm_same = percentiles([t["find_matches"][n] for n in nids])
            print(
                f"    naive loop ({len(nids)} needs) {fmt(nv)}   vs find_matches on the same "
                f"needs {fmt(fm_same)}: {ratio(nv, fm_same)}; answers differ on "
                f"{r['naive_mismatch']}"
            )
            print(
                "    floor = app's candidate set on "
                f"{len(ds.warmup_need_ids) - r['floor_mismatch']}/{len(ds.warmup_need_ids)} "
                "warm-up needs; slowest find_matches: "
                + ", ".join(f"need {n} {s * 1000:.1f} ms" for n, s in r["slowest"]),
                flush=True,
            )
            report[f"{kind}:{size}"] = {
                "find_matches": fm,
                "floor": fl,
                "loads": r["loads"],
                "in_reach_share": sum(1 for c in reach if c) / len(reach),
                "naive": nv,
                "naive_mismatch": r["naive_mismatch"],
            }
        del ds
        gc.collect()
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
