"""API token check per request: sha256 of the secret + indexed lookup (what we do) vs
argon2id verification with the production password parameters (what a password-style
token hash would cost), side by side, plus a whole ``GET /api/v1/me`` in process.

    .venv/bin/python benchmarks/api_auth.py [--tokens 2000] [--repeat 200]

SQLite in a temporary directory; prints medians and ratios.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()

    from argon2 import PasswordHasher
    from flask_migrate import upgrade

    from mutualaid import create_app
    from mutualaid.api_tokens import create_token, find_active
    from mutualaid.extensions import db
    from mutualaid.models import Person

    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    app = create_app(
        {
            "MUTUALAID_ENV": "testing",
            "QUEUE_URL": "memory://",
            "DATABASE_URL": url,
            "API_RATE_LIMIT": "1000000/minute",
        }
    )
    with app.app_context():
        upgrade()
        person = Person(name="Bench Mark", email="bench@example.org")
        db.session.add(person)
        db.session.flush()
        secrets = [create_token(db.session, person, f"t{i}")[1] for i in range(args.tokens)]
        db.session.commit()
        secret = secrets[len(secrets) // 2]

        ours = median_ms(lambda: find_active(db.session, secret), args.repeat)
        hasher = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
        stored = hasher.hash(secret)
        argon = median_ms(lambda: hasher.verify(stored, secret), max(20, args.repeat // 10))

    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"}
    whole = median_ms(lambda: client.get("/api/v1/me", headers=headers), args.repeat)

    print(f"tokens in table: {args.tokens}")
    print(f"sha256 + indexed lookup : {ours:8.3f} ms")
    print(f"argon2id verify only    : {argon:8.3f} ms  ({argon / ours:.0f}x slower)")
    print(
        f"GET /api/v1/me in process: {whole:8.3f} ms  "
        f"(argon2 alone: {argon / whole:.1f}x a whole request)"
    )


if __name__ == "__main__":
    main()
