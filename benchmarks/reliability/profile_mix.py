"""Where the soak's time goes: the soak's request mix (benchmarks/reliability/soak.py), sent
one at a time to a single in-process server on a scratch PostgreSQL database, with cProfile
around each request. Prints, per endpoint, the count, mean and p95 time and the SQL
statements per request, then the top functions (cumulative) of the costliest endpoints.

    .venv/bin/python benchmarks/reliability/profile_mix.py [--requests 600] [--aged-needs 0]

--aged-needs N first posts N needs (and accepts a third as many invitations), so the
database looks as it does late in a 10-minute soak (the soak posts about 6 needs a second).
--tracemalloc runs the mix twice without profiling, with a tracemalloc snapshot after the
first pass (warm) and after the second, and prints where memory grew in between (a leak
shows as growth proportional to the requests served).
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import pstats
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.reliability.harness import (
    free_port,
    logged_in,
    make_app,
    percentile,
    scratch_database,
    start_redis,
)
from benchmarks.reliability.sms_faults import sms_env
from benchmarks.reliability.soak import Load, seed
from tests.fakes.twilio_emulator import TwilioEmulator


class Profiled:
    """WSGI middleware: one cProfile per endpoint, wall time and SQL statement counts."""

    def __init__(self, app):
        self.app = app
        self.wsgi = app.wsgi_app
        self.stats: dict[str, pstats.Stats] = {}
        self.times: dict[str, list[float]] = collections.defaultdict(list)
        self.queries: dict[str, list[int]] = collections.defaultdict(list)
        self.counter = [0]
        import sqlalchemy as sa

        from mutualaid.extensions import db

        with app.app_context():
            sa.event.listen(db.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs) -> None:
        self.counter[0] += 1

    def __call__(self, environ, start_response):
        adapter = self.app.url_map.bind_to_environ(environ)
        try:
            endpoint, _ = adapter.match()
        except Exception:  # 404/405: profile under the path
            endpoint = environ.get("PATH_INFO", "?")
        key = f"{environ['REQUEST_METHOD']} {endpoint}"
        profile = cProfile.Profile()
        self.counter[0] = 0
        started = time.perf_counter()
        profile.enable()
        try:
            return list(self.wsgi(environ, start_response))
        finally:
            profile.disable()
            self.times[key].append(time.perf_counter() - started)
            self.queries[key].append(self.counter[0])
            if key in self.stats:
                self.stats[key].add(profile)
            else:
                self.stats[key] = pstats.Stats(profile)


def run(requests: int, aged_needs: int, top: int, trace: bool = False) -> None:
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with scratch_database("profile") as url, TwilioEmulator(callbacks=False) as emu:
        redis_proc, rport = start_redis("redis-profile")
        try:
            env = sms_env(url, emu.url, rport, PUBLIC_URL=base)
            n_emails, h_emails = seed(url, 20, 40)
            app = make_app(url, **{k: v for k, v in env.items() if k != "DATABASE_URL"})
            profiled = Profiled(app)
            server = make_server("127.0.0.1", port, profiled, threaded=False)
            thread = threading.Thread(target=server.serve_forever, daemon=True)
            thread.start()
            neighbors = [logged_in(base, e) for e in n_emails]
            helpers = [logged_in(base, e) for e in h_emails]
            load = Load(base, neighbors, helpers)
            for i in range(aged_needs):  # late-soak database: the soak posts ~6 needs/s
                load.post_need(10**6 + i)
                if i % 3 == 0:
                    load.accept(10**6 + i)
            profiled.stats.clear()
            profiled.times.clear()
            profiled.queries.clear()
            if trace:
                server.app = app.wsgi_app  # no cProfile: measure memory only
                grown = trace_growth(load, requests)
            else:
                for i in range(requests):
                    load.one(load.pick(), i)
            server.shutdown()
        finally:
            redis_proc.stop()
    if trace:
        print(grown)
    else:
        report(profiled, top)


def trace_growth(load: Load, requests: int) -> str:
    """Serve `requests` (warm-up), snapshot, serve `requests` more, snapshot: the biggest
    growths in between, by allocation site (5 frames)."""
    import gc
    import tracemalloc

    tracemalloc.start(5)
    for i in range(requests):
        load.one(load.pick(), i)
    gc.collect()
    first = tracemalloc.take_snapshot()
    for i in range(requests, 2 * requests):
        load.one(load.pick(), i)
    gc.collect()
    second = tracemalloc.take_snapshot()
    keep = [tracemalloc.Filter(False, tracemalloc.__file__)]
    diff = second.filter_traces(keep).compare_to(first.filter_traces(keep), "traceback")
    total = sum(d.size_diff for d in diff)
    lines = [f"traced memory grew {total / 1024:.0f} KiB over {requests} requests"]
    for d in diff[:12]:
        lines.append(f"\n{d.size_diff / 1024:+.1f} KiB in {d.count_diff:+d} blocks")
        lines.extend(f"    {frame}" for frame in d.traceback.format()[-10:])
    return "\n".join(lines)


def report(profiled: Profiled, top: int) -> None:
    rows = sorted(profiled.times.items(), key=lambda kv: -sum(kv[1]))
    print(f"{'endpoint':40} {'n':>5} {'mean ms':>8} {'p95 ms':>8} {'SQL/req':>8} {'share':>6}")
    total = sum(sum(v) for v in profiled.times.values())
    for key, ts in rows:
        q = profiled.queries[key]
        print(
            f"{key:40} {len(ts):5d} {1000 * sum(ts) / len(ts):8.1f} "
            f"{1000 * percentile(ts, 95):8.1f} {sum(q) / len(q):8.1f} {sum(ts) / total:6.1%}"
        )
    for key, _ in rows[:top]:
        out = io.StringIO()
        profiled.stats[key].stream = out
        profiled.stats[key].sort_stats("cumulative").print_stats(30)
        print(f"\n===== {key}\n" + out.getvalue())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--aged-needs", type=int, default=0)
    parser.add_argument("--top", type=int, default=3)
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()
    run(args.requests, args.aged_needs, args.top, args.tracemalloc)


if __name__ == "__main__":
    main()
