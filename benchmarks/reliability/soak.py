"""Soak: a fixed request rate (open loop: requests are started on schedule whether or not
earlier ones finished) mixing browsing, posting needs, accepting invitations and inbound SMS
webhooks, against gunicorn (2 workers) + 1 Huey consumer on PostgreSQL and a private
redis-server, with texts going to the loopback Twilio emulator. Loopback only, bounded in time.

    .venv/bin/python benchmarks/reliability/soak.py --rate 50 --seconds 90     # short run
    .venv/bin/python benchmarks/reliability/soak.py --rate 50 --seconds 600    # full 10-minute soak

Reports error rate (5xx and failed connections), p50/p95/p99 overall and per kind, the rate
achieved, and resident memory of the web processes and the worker at start and end. Passes
when the error rate is 0 and no process grew by more than 20 %.
"""

from __future__ import annotations

import argparse
import collections
import json
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
        except requests.RequestException:
            code = 0
        with self.lock:
            self.results.append((kind, code, time.monotonic() - started))

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


def summarise(results, seconds) -> dict:
    codes = collections.Counter(c for _, c, _ in results)
    errors = sum(v for c, v in codes.items() if c == 0 or c >= 500)
    lat = [t for _, _, t in results]
    per_kind = {}
    for kind, _ in MIX:
        ts = [t for k, _, t in results if k == kind]
        per_kind[kind] = {"n": len(ts), "p95_ms": round(percentile(ts, 95) * 1000, 1)}
    return {
        "requests": len(results),
        "achieved_rps": round(len(results) / seconds, 1),
        "answers": {str(k): v for k, v in sorted(codes.items())},
        "errors": errors,
        "error_rate": round(errors / max(1, len(results)), 4),
        "p50_ms": round(percentile(lat, 50) * 1000, 1),
        "p95_ms": round(percentile(lat, 95) * 1000, 1),
        "p99_ms": round(percentile(lat, 99) * 1000, 1),
        "per_kind": per_kind,
    }


def run(rate: float = 50, seconds: float = 90, warmup: float = 10) -> dict:
    with scratch_database("soak") as url, TwilioEmulator(callbacks=False) as emu:
        redis_proc, port = start_redis("redis-soak")
        env = sms_env(url, emu.url, port, SMS_RATE_PER_SECOND="20")
        n_emails, h_emails = seed(url, 20, 40)
        web, base = start_web("web-soak", env, workers=2, threads=8)
        worker = start_worker("worker-soak", env, workers=2)
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

            drive(warmup, 10**6)  # warm caches and pools before the first memory reading
            time.sleep(2)
            with load.lock:
                load.results.clear()
            mem_start = {"web": web.rss_kib(), "worker": worker.rss_kib()}
            started = time.monotonic()
            drive(seconds, 0)
            pool.shutdown(wait=True)
            elapsed = time.monotonic() - started
            mem_end = {"web": web.rss_kib(), "worker": worker.rss_kib()}
            results = list(load.results)
        finally:
            web.stop()
            worker.stop()
            redis_proc.stop()
    result = {"rate": rate, "seconds": seconds, **summarise(results, elapsed)}
    result["memory_kib"] = {
        name: {
            "start": mem_start[name],
            "end": mem_end[name],
            "growth_pct": round(100 * (mem_end[name] - mem_start[name]) / mem_start[name], 1),
        }
        for name in mem_start
    }
    result["ok"] = result["errors"] == 0 and all(
        m["growth_pct"] <= 20 for m in result["memory_kib"].values()
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--seconds", type=float, default=90)
    args = parser.parse_args()
    result = run(args.rate, args.seconds)
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
