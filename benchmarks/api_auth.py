"""API token check per request, against the alternatives docs/decisions.md ("API tokens")
weighed, side by side in alternating rounds, with the load average:

- **ours**: sha256 of the secret + one indexed lookup (``find_active``), what every API
  request does;
- **argon2 tokens, built the way one would**: the same indexed lookup (a token id or prefix
  sent with the secret finds the row) plus one argon2id verify with the app's password
  parameters (``mutualaid.passwords.Passwords``), since a salted slow hash cannot be
  looked up by value. This is the "~50 ms of argon2 on every API call" the decision
  avoided;
- **an in-process cache** of checked tokens (sha256 -> token id in a dict): what skipping
  the database read would save per request; it would also miss revocations and expiry
  until the entry is dropped, which the decision did not accept;
- a whole ``GET /api/v1/me`` in process, for scale.

    .venv/bin/python benchmarks/api_auth.py [--tokens 2000] [--rounds 20]

SQLite in a temporary directory; prints p50 / p95 and ratios.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def p50_p95(samples: list[float]) -> tuple[float, float]:
    xs = sorted(samples)
    return statistics.median(xs) * 1000, xs[max(0, round(0.95 * len(xs)) - 1)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--per-round", type=int, default=20, help="calls per side per round")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from mutualaid import create_app
    from mutualaid.api_tokens import create_token, find_active, hash_secret
    from mutualaid.extensions import db
    from mutualaid.models import Person
    from mutualaid.passwords import Passwords

    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app(
        {
            "MUTUALAID_ENV": "testing",
            "QUEUE_URL": "memory://",
            "DATABASE_URL": url,
            "API_RATE_LIMIT": "1000000/minute",
        }
    )
    passwords = Passwords()  # the production parameters (argon2id, 19 MiB, t=2)
    with app.app_context():
        upgrade()
        person = Person(name="Bench Mark", email="bench@example.org")
        db.session.add(person)
        db.session.flush()
        secrets = [create_token(db.session, person, f"t{i}")[1] for i in range(args.tokens)]
        db.session.commit()
        secret = secrets[len(secrets) // 2]
        stored = passwords.hash(secret)
        cache = {hash_secret(s): i for i, s in enumerate(secrets)}

        def ours():
            assert find_active(db.session, secret) is not None

        def argon2_tokens():
            assert find_active(db.session, secret) is not None  # the indexed lookup
            assert passwords.verify(stored, secret)

        def cached():
            assert cache.get(hash_secret(secret)) is not None

        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"}

        def whole():
            assert client.get("/api/v1/me", headers=headers).status_code == 200

        sides = [
            ("sha256 + indexed lookup (ours)", ours, args.per_round),
            ("indexed lookup + argon2id verify", argon2_tokens, max(1, args.per_round // 10)),
            ("in-process cache (no revocation)", cached, args.per_round),
            ("whole GET /api/v1/me", whole, args.per_round),
        ]
        for _, fn, _n in sides:
            fn()
        times: dict[str, list[float]] = {name: [] for name, _, _ in sides}
        loads = []
        for r in range(args.rounds):
            loads.append(os.getloadavg()[0])
            for name, fn, n in sides[r % len(sides) :] + sides[: r % len(sides)]:
                for _ in range(n):
                    db.session.expire_all()
                    start = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - start)
        loads.append(os.getloadavg()[0])

    print(
        f"tokens in table: {args.tokens}; {args.rounds} rounds, order rotating; load average "
        f"{min(loads):.1f}-{max(loads):.1f}"
    )
    base = p50_p95(times[sides[0][0]])
    for name, _, _ in sides:
        p50, p95 = p50_p95(times[name])
        print(
            f"{name:36s} p50 {p50:9.3f} ms  p95 {p95:9.3f} ms  "
            f"({p50 / base[0]:.2f}x ours at p50, n={len(times[name])})"
        )


if __name__ == "__main__":
    main()
