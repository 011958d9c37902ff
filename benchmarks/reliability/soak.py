"""Soak: a fixed request rate (open loop: requests are started on schedule whether or not
earlier ones finished) mixing browsing, posting needs, accepting invitations and inbound SMS
webhooks, against gunicorn (2 workers) + 1 Huey consumer on PostgreSQL and a private
redis-server, with texts going to the loopback Twilio emulator. Loopback only, bounded in time.

    .venv/bin/python benchmarks/reliability/soak.py --rate 50 --seconds 90     # short run
    .venv/bin/python benchmarks/reliability/soak.py --rate 50 --seconds 600    # full 10-minute soak

Reports error rate (5xx and failed connections), p50/p95/p99 overall, p50/p95 per endpoint and
p95 per minute, the rate achieved, the load average, and resident memory of each process (the
gunicorn master, each gunicorn worker, the Huey consumer) at the end of a warm-up (--warmup,
default 60 s of the same load: imports, templates, SQLAlchemy's statement cache and the pools
fill on first use), every --every seconds after, and at the end. gunicorn runs with
--max-requests 0 so its workers are not recycled mid-run (that would hide a leak). Passes
when the error rate is 0 and no process grew by more than 20 % after the warm-up.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import re
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.reliability.harness import (
    PASSWORD,
    logged_in,
    make_app,
    percentile,
    scratch_database,
    start_redis,
    start_web,
    start_worker,
)
from benchmarks.reliability.sms_faults import sms_env
from tests.fakes.twilio_emulator import TwilioEmulator, inbound_params, sign

MIX = (("browse", 0.50), ("post_need", 0.12), ("accept", 0.13), ("sms", 0.25))
BROWSE = ("/needs/board", "/needs/mine", "/invitations", "/", "/notifications", "/offers/mine")


def seed(url: str, neighbors: int, helpers: int) -> tuple[list[str], list[str]]:
    from mutualaid.accounts import NewAccount, create_person
    from mutualaid.extensions import db
    from mutualaid.models import Offer

    app = make_app(url)
    rng = random.Random(3)
    with app.app_context():
        pw = app.extensions["passwords"]
        n_emails, h_emails = [], []
        for i in range(neighbors):
            email = f"soak-n{i}@example.org"
            create_person(db.session, pw, NewAccount(f"Soak{i} Neighbor", email, PASSWORD))
            n_emails.append(email)
        for i in range(helpers):
            email = f"soak-h{i}@example.org"
            person = create_person(db.session, pw, NewAccount(f"Soak{i} Helper", email, PASSWORD))
            lat, lng = 40.71 + rng.uniform(-0.02, 0.02), -73.95 + rng.uniform(-0.02, 0.02)
            offer = Offer(
                helper_id=person.id,
                lat=lat,
                lng=lng,
                radius_km=5.0,
                capacity=50,
                location_status="ok",
                public_lat=round(lat, 2),
                public_lng=round(lng, 2),
            )
            offer.set_categories(["groceries", "meals", "transport"])
            db.session.add(offer)
            h_emails.append(email)
        db.session.commit()
        db.engine.dispose()
    return n_emails, h_emails


class Load:
    def __init__(self, base: str, neighbors, helpers, seed_: int = 1):
        self.base = base
        self.neighbors = neighbors  # (session, token)
        self.helpers = helpers
        self.rng = random.Random(seed_)
        self.lock = threading.Lock()
        self.results: list[tuple[str, int, float]] = []
        self.sms_seq = 0
        self.failures: collections.Counter = collections.Counter()

    def pick(self) -> str:
        r, acc = self.rng.random(), 0.0
        for kind, share in MIX:
            acc += share
            if r < acc:
                return kind
        return MIX[-1][0]

    def one(self, kind: str, i: int) -> None:
        import requests

        started = time.monotonic()
        try:
            code = getattr(self, kind)(i)
        except requests.RequestException as exc:
            code = 0
            with self.lock:
                self.failures[f"{label(kind, i)}: {type(exc).__name__}"] += 1
        with self.lock:
            self.results.append((label(kind, i), code, time.monotonic() - started, started))

    def browse(self, i: int) -> int:
        s, _ = self.neighbors[i % len(self.neighbors)]
        return s.get(self.base + BROWSE[i % len(BROWSE)], timeout=30).status_code

    def post_need(self, i: int) -> int:
        s, token = self.neighbors[i % len(self.neighbors)]
        lat, lng = 40.71 + (i % 17) * 0.001, -73.95 + (i % 13) * 0.001
        r = s.post(
            self.base + "/needs/new",
            timeout=30,
            allow_redirects=False,
            data={
                "csrf_token": token,
                "category": "groceries",
                "urgency": "today",
                "people_needed": "1",
                "details": f"soak {i}",
                "location": f"{lat:.4f},{lng:.4f}",
                "contact_preference": "web",
            },
        )
        return r.status_code

    def accept(self, i: int) -> int:
        s, token = self.helpers[i % len(self.helpers)]
        page = s.get(self.base + "/invitations", timeout=30)
        pods = re.findall(r"/pods/(\d+)/accept", page.text)
        if not pods or page.status_code != 200:
            return page.status_code
        r = s.post(
            f"{self.base}/pods/{pods[0]}/accept",
            data={"csrf_token": token},
            timeout=30,
            allow_redirects=False,
        )
        return r.status_code

    def sms(self, i: int) -> int:
        import requests

        with self.lock:
            self.sms_seq += 1
            n = self.sms_seq
        params = inbound_params(f"+1718{5550000 + n % 3000:07d}", f"hello soak {n}")
        url = self.base + "/sms/inbound"
        return requests.post(
            url, data=params, timeout=30, headers={"X-Twilio-Signature": sign(url, params)}
        ).status_code


def label(kind: str, i: int) -> str:
    """The endpoint a request of this kind hits (browse rotates through BROWSE)."""
    return f"browse {BROWSE[i % len(BROWSE)]}" if kind == "browse" else kind


def summarise(results, seconds) -> dict:
    codes = collections.Counter(c for _, c, _, _ in results)
    errors = sum(v for c, v in codes.items() if c == 0 or c >= 500)
    lat = [t for _, _, t, _ in results]
    per_endpoint = {}
    for name in sorted({k for k, _, _, _ in results}):
        ts = [t for k, _, t, _ in results if k == name]
        per_endpoint[name] = {
            "n": len(ts),
            "p50_ms": round(percentile(ts, 50) * 1000, 1),
            "p95_ms": round(percentile(ts, 95) * 1000, 1),
        }
    t0 = min((s for _, _, _, s in results), default=0.0)
    per_minute = []
    for minute in range(int(seconds // 60) + 1):
        ts = [t for _, _, t, s in results if minute * 60 <= s - t0 < (minute + 1) * 60]
        if ts:
            per_minute.append(round(percentile(ts, 95) * 1000))
    return {
        "requests": len(results),
        "achieved_rps": round(len(results) / seconds, 1),
        "answers": {str(k): v for k, v in sorted(codes.items())},
        "errors": errors,
        "error_rate": round(errors / max(1, len(results)), 4),
        "p50_ms": round(percentile(lat, 50) * 1000, 1),
        "p95_ms": round(percentile(lat, 95) * 1000, 1),
        "p99_ms": round(percentile(lat, 99) * 1000, 1),
        "p95_ms_by_minute": per_minute,
        "per_endpoint": per_endpoint,
    }


class MemorySampler(threading.Thread):
    """Resident memory of every process every `every` seconds: the gunicorn master, each
    gunicorn worker (by pid: with --max-requests 0 they live for the whole run) and the
    Huey consumer (with its children)."""

    def __init__(self, web, worker, every: float):
        super().__init__(daemon=True)
        self.web, self.worker, self.every = web, worker, every
        self.samples: list[tuple[float, dict[str, int]]] = []
        self.stopped = threading.Event()
        self.t0 = time.monotonic()

        self.cpu: list[tuple[float, float, float, float]] = []  # wall, machine, app, us

    def sample(self) -> None:
        reading = {}
        web = self.web.rss_by_pid()
        for pid, kib in web.items():
            reading["web master" if pid == self.web.pid else f"web worker {pid}"] = kib
        reading["huey consumer"] = self.worker.rss_kib()
        self.samples.append((round(time.monotonic() - self.t0), reading))
        app = [*web, *self.worker.rss_by_pid()]
        self.cpu.append((time.monotonic(), machine_busy_s(), cpu_s(app), cpu_s([os.getpid()])))

    def cpu_report(self) -> dict:
        """Per interval, CPU used as % of the machine's cores: everything on the machine, the
        app (gunicorn + consumer) and this load generator; the rest is PostgreSQL, redis,
        the emulator's threads (in this process) and other people's jobs."""
        cores = os.cpu_count() or 1
        out: dict[str, list[int]] = {"machine": [], "app": [], "load generator": []}
        for (w0, m0, a0, g0), (w1, m1, a1, g1) in zip(self.cpu, self.cpu[1:], strict=False):
            span = max(w1 - w0, 1e-6) * cores / 100
            out["machine"].append(round((m1 - m0) / span))
            out["app"].append(round((a1 - a0) / span))
            out["load generator"].append(round((g1 - g0) / span))
        return out

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            self.sample()


def cpu_s(pids: list[int]) -> float:
    """CPU seconds (user + system) used so far by these processes."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (all cores, not idle or waiting)."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def memory_report(samples: list[tuple[float, dict[str, int]]]) -> dict:
    """Per process: RSS at the end of the warm-up (first sample), at the end, growth, and the
    curve (MiB at each sample)."""
    first, last = samples[0][1], samples[-1][1]
    out = {}
    for name in sorted(first):
        if name not in last:  # a process that died or was replaced: report it as such
            out[name] = {"start_mib": round(first[name] / 1024, 1), "end_mib": None}
            continue
        out[name] = {
            "warmed_mib": round(first[name] / 1024, 1),
            "end_mib": round(last[name] / 1024, 1),
            "growth_pct": round(100 * (last[name] - first[name]) / first[name], 1),
            "curve_mib": [round(r.get(name, 0) / 1024) for _, r in samples],
        }
    return out


def run(rate: float = 50, seconds: float = 90, warmup: float = 60, every: float = 30) -> dict:
    """Warm-up first (`warmup` seconds of the same load: imports, Jinja templates, SQLAlchemy's
    compiled-statement cache and the connection pools fill on first use), then the measured
    run; memory is read at the end of the warm-up and every `every` seconds after."""
    with scratch_database("soak") as url, TwilioEmulator(callbacks=False) as emu:
        redis_proc, port = start_redis("redis-soak")
        env = sms_env(url, emu.url, port, SMS_RATE_PER_SECOND="20")
        n_emails, h_emails = seed(url, 20, 40)
        # --max-requests 0: no recycling during the soak, so any growth shows up
        web, base = start_web(
            "web-soak", env, workers=2, threads=4, extra_args=("--max-requests", "0")
        )
        worker = start_worker("worker-soak", env, workers=2)
        load_before = os.getloadavg()
        try:
            neighbors = [logged_in(base, e) for e in n_emails]
            helpers = [logged_in(base, e) for e in h_emails]
            load = Load(base, neighbors, helpers)
            pool = ThreadPoolExecutor(64)

            def drive(duration: float, offset: int) -> None:
                t0 = time.monotonic()
                total = int(duration * rate)
                for i in range(total):
                    delay = t0 + i / rate - time.monotonic()
                    if delay > 0:
                        time.sleep(delay)
                    pool.submit(load.one, load.pick(), offset + i)

            drive(warmup, 10**6)
            time.sleep(2)
            with load.lock:
                load.results.clear()
                load.failures.clear()
            sampler = MemorySampler(web, worker, every)
            sampler.sample()
            sampler.start()
            started = time.monotonic()
            drive(seconds, 0)
            pool.shutdown(wait=True)
            elapsed = time.monotonic() - started
            sampler.stopped.set()
            sampler.join()
            sampler.sample()
            results = list(load.results)
            load_after = os.getloadavg()
        finally:
            web.stop()
            worker.stop()
            redis_proc.stop()
    result = {"rate": rate, "seconds": seconds, "warmup_s": warmup, **summarise(results, elapsed)}
    result["load_average_1m"] = {"before": load_before[0], "after": load_after[0]}
    result["memory"] = memory_report(sampler.samples)
    result["cpu_pct_of_machine_by_interval"] = sampler.cpu_report()
    result["client_failures"] = dict(load.failures)
    result["ok"] = result["errors"] == 0 and all(
        m.get("growth_pct") is not None and m["growth_pct"] <= 20 for m in result["memory"].values()
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=90)
    parser.add_argument("--warmup", type=float, default=60)
    parser.add_argument("--every", type=float, default=30, help="memory sample interval (s)")
    args = parser.parse_args()
    result = run(args.rate, args.seconds, args.warmup, args.every)
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
