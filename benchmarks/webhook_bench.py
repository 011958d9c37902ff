"""Inbound: signed Twilio webhooks under gunicorn on PostgreSQL vs a no-op endpoint of the
same app under the same server, in the same run.

gunicorn runs with config/gunicorn.conf.py (WEB_CONCURRENCY=2, WEB_THREADS=4 unless set),
the queue is Redis (db 11; its huey keys are deleted at the end), the database a throwaway
PostgreSQL database. A loopback load generator (keep-alive connections, one thread each)
posts signed webhooks from a pool of numbers with 10 % duplicate MessageSids.

1. Closed loop: C connections for --seconds against the no-op, then the webhook
   (alternating, --rounds times); throughput and p50/p99 latency.
2. Open loop: the webhook at a fixed --rate (default 200 requests/s) for --seconds;
   latency is measured from each request's scheduled time, so queueing counts.
Targets: webhook >= 40 % of no-op throughput; p99 < 100 ms at 200 requests/s.

    .venv/bin/python benchmarks/webhook_bench.py [--seconds 5] [--rounds 2] [--rate 200]
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse

from _common import ROOT, percentile, throwaway_postgres

TOKEN = "bench-auth-token-" + secrets.token_hex(8)
REDIS_URL = "redis://127.0.0.1:6379/11"
BODIES = [
    "Can someone help me get groceries this week?",
    "NEED groceries 11211",
    "Thank you so much!",
    "I can drive people to the clinic on Tuesdays",
    "HELP",
    "Is the pod still meeting at 5?",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Requests:
    """Pre-signed inbound webhooks: a pool of numbers, 10 % duplicate MessageSids."""

    def __init__(self, public_url: str, n: int, numbers: int = 400, seed: int = 7) -> None:
        from twilio.request_validator import RequestValidator

        rng = random.Random(seed)
        validator = RequestValidator(TOKEN)
        url = public_url + "/sms/inbound"
        self.items: list[tuple[bytes, str]] = []
        pool = [f"+1917555{i:04d}" for i in range(numbers)]
        for _ in range(n):
            if self.items and rng.random() < 0.10:
                self.items.append(rng.choice(self.items))  # Twilio retried a delivery
                continue
            params = {
                "MessageSid": "SM" + secrets.token_hex(16),
                "AccountSid": "AC" + "0" * 32,
                "From": rng.choice(pool),
                "To": "+15005550006",
                "Body": rng.choice(BODIES),
                "NumMedia": "0",
                "NumSegments": "1",
            }
            body = urllib.parse.urlencode(params).encode()
            self.items.append((body, validator.compute_signature(url, params)))
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> tuple[bytes, str]:
        with self._lock:
            item = self.items[self._next % len(self.items)]
            self._next += 1
            return item


def _post(conn: http.client.HTTPConnection, path: str, body: bytes, signature: str) -> int:
    conn.request(
        "POST",
        path,
        body=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Twilio-Signature": signature,
        },
    )
    response = conn.getresponse()
    response.read()
    return response.status


def closed_loop(port: int, path: str, reqs: Requests, seconds: float, clients: int) -> dict:
    latencies: list[float] = []
    errors = [0]
    stop_at = time.perf_counter() + seconds
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine = []
        while time.perf_counter() < stop_at:
            body, sig = reqs.take()
            t0 = time.perf_counter()
            try:
                status = _post(conn, path, body, sig)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status = 0
            mine.append(time.perf_counter() - t0)
            if status != 200:
                with lock:
                    errors[0] += 1
        conn.close()
        with lock:
            latencies.extend(mine)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    return {
        "rps": len(latencies) / elapsed,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "errors": errors[0],
        "n": len(latencies),
    }


def open_loop(port: int, path: str, reqs: Requests, seconds: float, rate: float) -> dict:
    total = int(seconds * rate)
    start = time.perf_counter() + 0.2
    schedule = [start + i / rate for i in range(total)]
    latencies: list[float] = []
    errors = [0]
    index = [0]
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            with lock:
                if index[0] >= total:
                    break
                due = schedule[index[0]]
                index[0] += 1
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            body, sig = reqs.take()
            try:
                status = _post(conn, path, body, sig)
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                status = 0
            done = time.perf_counter()
            with lock:
                latencies.append(done - due)
                if status != 200:
                    errors[0] += 1
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {
        "achieved": len(latencies) / (max(schedule) - start + 1e-9) if latencies else 0,
        "p50": percentile(latencies, 50) * 1000,
        "p99": percentile(latencies, 99) * 1000,
        "errors": errors[0],
        "n": len(latencies),
    }


def _wait_ready(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not become ready")


def _cleanup_redis() -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match="huey*mutualaid*"))
    if keys:
        client.delete(*keys)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--rate", type=float, default=200.0)
    args = parser.parse_args()

    port = _free_port()
    public = f"http://127.0.0.1:{port}"
    with throwaway_postgres("mutualaid_webhook_bench") as url:
        env = {
            **os.environ,
            "MUTUALAID_ENV": "production",
            "SECRET_KEY": secrets.token_hex(32),
            "DATABASE_URL": url,
            "QUEUE_URL": REDIS_URL,
            "SMS_BACKEND": "console",
            "TWILIO_AUTH_TOKEN": TOKEN,
            "PUBLIC_URL": public,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "LOG_LEVEL": "warning",
            "PYTHONPATH": str(ROOT),
        }
        flask = [sys.executable, "-m", "flask", "--app", "mutualaid", "db", "upgrade"]
        subprocess.run(flask, env=env, check=True, capture_output=True, cwd=ROOT)
        gunicorn = [
            sys.executable, "-m", "gunicorn", "--config", str(ROOT / "config/gunicorn.conf.py"),
            "--chdir", str(ROOT / "benchmarks"), "webhook_app:app",
        ]  # fmt: skip
        proc = subprocess.Popen(
            gunicorn, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            _wait_ready(port, proc)
            reqs = Requests(public, n=200_000)
            warm = closed_loop(port, "/sms/inbound", reqs, 1.0, args.clients)
            noop_runs, hook_runs = [], []
            for _ in range(args.rounds):
                noop_runs.append(closed_loop(port, "/bench/noop", reqs, args.seconds, args.clients))
                hook_runs.append(
                    closed_loop(port, "/sms/inbound", reqs, args.seconds, args.clients)
                )
            paced = open_loop(port, "/sms/inbound", reqs, args.seconds, args.rate)
        finally:
            proc.terminate()
            proc.wait(timeout=20)
            _cleanup_redis()
    workers = os.environ.get("WEB_CONCURRENCY", "2")
    threads = os.environ.get("WEB_THREADS", "4")
    print(
        f"gunicorn {workers} workers x {threads} threads, PostgreSQL, Redis queue; "
        f"{args.clients} keep-alive clients, {args.seconds:.0f} s x {args.rounds} rounds "
        f"(warm-up {warm['n']} requests)"
    )
    for name, runs in (("no-op endpoint", noop_runs), ("POST /sms/inbound", hook_runs)):
        rps = statistics.median(r["rps"] for r in runs)
        p50 = statistics.median(r["p50"] for r in runs)
        p99 = statistics.median(r["p99"] for r in runs)
        errors = sum(r["errors"] for r in runs)
        print(
            f"{name:18s}: {rps:7.1f} req/s  p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  non-200: {errors}"
        )
    ratio = statistics.median(r["rps"] for r in hook_runs) / statistics.median(
        r["rps"] for r in noop_runs
    )
    print(f"ratio webhook / no-op throughput: {ratio:.0%}  (target >= 40%)")
    print(
        f"open loop at {args.rate:.0f} req/s for {args.seconds:.0f} s: {paced['n']} requests, "
        f"achieved {paced['achieved']:.0f} req/s, p50 {paced['p50']:.1f} ms, "
        f"p99 {paced['p99']:.1f} ms (target < 100 ms), non-200: {paced['errors']}"
    )


if __name__ == "__main__":
    main()
