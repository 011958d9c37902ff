"""The load generator of benchmarks/webhook_bench.py: pre-signed inbound webhooks (10 %
duplicate MessageSids), a closed loop (keep-alive clients) and an open loop (fixed rate,
latency from each request's scheduled time)."""

from __future__ import annotations

import http.client
import random
import secrets
import socket
import threading
import time
import urllib.parse

from _common import percentile

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
        self.validator, self.url = validator, url
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

    def probe(self) -> tuple[bytes, str]:
        """One more signed text with a fresh MessageSid."""
        params = {
            "MessageSid": "SM" + secrets.token_hex(16),
            "AccountSid": "AC" + "0" * 32,
            "From": "+19175559999",
            "To": "+15005550006",
            "Body": "hello",
        }
        return urllib.parse.urlencode(params).encode(), self.validator.compute_signature(
            self.url, params
        )

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
