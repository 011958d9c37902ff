"""Data for benchmarks/match_bench.py: seeded offers, people, needs and pod history around
real US ZIP centroids, and the bulk loader (executemany on SQLite, COPY on PostgreSQL).
"""

from __future__ import annotations

import json
import os
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

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
    offer_zips: list[int] = []  # each offer's ZIP, so needs can be drawn where offers are
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
        zip_index = rng.randrange(len(zips))
        offer_zips.append(zip_index)
        lat0, lng0 = zips[zip_index]
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
    # Needs: measured + warm-up, drawn where people live: a ZIP in proportion to the offer
    # density around it (offers in its 0.1-degree cell and the eight around it, ~30 km
    # square), as a population proxy. Drawn uniformly over ZIPs, most needs at the small
    # sizes landed where nobody offers anything and timed empty answers. Requesters are
    # their own people. The offers are the same as before this change.
    cells: dict[tuple[int, int], int] = {}
    for z in offer_zips:
        cell = _cell(zips[z])
        cells[cell] = cells.get(cell, 0) + 1
    weights = []
    for z in zips:
        ci, cj = _cell(z)
        weights.append(
            sum(cells.get((ci + di, cj + dj), 0) for di in (-1, 0, 1) for dj in (-1, 0, 1))
        )
    need_rng = random.Random(seed * 7_000_003 + size)
    need_zips = need_rng.choices(range(len(zips)), weights, k=n_needs + warmup)
    need_id = 0
    for j in range(n_needs + warmup):
        need_id += 1
        lat, lng = zips[need_zips[j]]
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


def _cell(point: tuple[float, float]) -> tuple[int, int]:
    return int(point[0] * 10 // 1), int(point[1] * 10 // 1)


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
        # The raw DBAPI connection, outside any transaction: the app's engine opens every
        # transaction with BEGIN IMMEDIATE, and SQLite refuses a checkpoint inside one.
        raw = engine.raw_connection()
        try:
            sqlite = raw.driver_connection
            sqlite.execute("ANALYZE")
            sqlite.commit()
            # Fold the bulk load's write-ahead log into the database file: reads through a
            # large un-checkpointed WAL are slower and would not be production's state.
            busy, _log, _done = sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        finally:
            raw.close()
        if busy:
            raise RuntimeError("could not checkpoint the WAL after loading")
