"""Inbound texts through the conversation layer vs the transport's placeholder handler,
side by side in one run, on the same database.

Each text is what the webhook and the worker do together after the signature check:
``receive_inbound`` (store, then apply: keywords, handler, reply queued) and one commit.
Dispatch to the provider is left queued (the worker sends it), as in production. The
database holds --helpers helpers with offers around ZIP 11211, so NEED texts really match
and invite. Texts cycle through a realistic
mix: NEED with everything, NEED then its two answers, OFFER, STATUS, YES, free text.

    .venv/bin/python benchmarks/sms_conversation_bench.py [--texts 400] [--helpers 300] [--postgres]
        [--mix commands|words]
"""

from __future__ import annotations

import argparse
import random
import secrets
import statistics
import tempfile
import time
from contextlib import nullcontext

from _common import percentile, throwaway_postgres

MIX = [
    "NEED groceries 11211 milk, bread, rice",
    "STATUS",
    "Thank you, see you at 5!",
    "NEED",
    "2",
    "11211",
    "OFFER rides, groceries 11211 5 km",
    "yes",
    "necesito medicina 11211",
    "what is this?",
]
# --mix words (issue 18): the same kinds of texts, written the way people write them.
MIX_WORDS = [
    "hi can someone pick up groceries for me, 11211, milk bread rice",
    "what do i do now?",
    "thank you so much, see you at 5!",
    "I NEED TO EAT NOW, I AM VERY HUNGRY",
    "11211",
    "I have a car and I want to help, 11211",
    "sure, I can do it",
    "necesito ayuda con comida 11211",
    "who is this?",
    "my mom fell, can someone sit with her tomorrow morning? 11211",
]


def seed_helpers(db, n: int, rng: random.Random) -> None:
    from mutualaid.geo.geocoding import Place
    from mutualaid.locations import found
    from mutualaid.models import Person
    from mutualaid.offers import OfferInput, post_offer

    keys = ["groceries", "meals", "transport", "medical", "errands"]
    for i in range(n):
        person = Person(name=f"Helper {i}", email=f"h{i}-{secrets.token_hex(3)}@bench.test")
        db.session.add(person)
        db.session.flush()
        lat = 40.7095 + rng.uniform(-0.04, 0.04)
        lng = -73.9563 + rng.uniform(-0.05, 0.05)
        cats = rng.sample(keys, 2)
        post_offer(
            db.session,
            person,
            OfferInput(categories=cats, radius_km=5.0, capacity=5),
            found(f"{lat},{lng}", Place(lat, lng, "x", "latlng")),
        )
    db.session.commit()


def placeholder(session, person, message) -> str:
    return "Thanks, we got your text. A neighborhood coordinator will read it."


def run(app, texts: int, handler_name: str, numbers: list[str], mix=MIX) -> list[float]:
    from mutualaid.extensions import db
    from mutualaid.sms import apply
    from mutualaid.sms.conversation import handle_text as conversation

    # The baseline: the transport alone, answering every text with a fixed acknowledgement.
    apply.handle_text = conversation if handler_name == "conversation" else placeholder
    times = []
    with app.app_context():
        for i in range(texts):
            number = numbers[i % len(numbers)]
            body = mix[(i // len(numbers)) % len(mix)]
            start = time.perf_counter()
            apply.receive_inbound(
                db.session,
                sid="SM" + secrets.token_hex(16),
                from_number=number,
                to_number="+15005550006",
                body=body,
            )
            db.session.commit()
            times.append(time.perf_counter() - start)
        db.session.remove()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=400)
    parser.add_argument("--helpers", type=int, default=300)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--mix", choices=("commands", "words"), default="commands")
    args = parser.parse_args()
    mix = MIX_WORDS if args.mix == "words" else MIX
    tmp = tempfile.TemporaryDirectory()
    context = throwaway_postgres("smsconv_bench") if args.postgres else nullcontext(None)
    with context as pg_url:
        url = pg_url or f"sqlite:///{tmp.name}/bench.db"
        from flask_migrate import upgrade

        from mutualaid import create_app
        from mutualaid.extensions import db
        from mutualaid.queue import huey

        app = create_app(
            {
                "MUTUALAID_ENV": "testing",
                "DATABASE_URL": url,
                "QUEUE_URL": "memory://",
                "SMS_BACKEND": "console",
                "GEOCODER": "latlng,postal",
                "SMS_DAILY_CAP": "10000",
                "SMS_UNKNOWN_REPLY_CAP": "1000",
            }
        )
        huey.immediate = False  # leave dispatch queued: the worker's job, not the webhook's
        with app.app_context():
            upgrade()
            seed_helpers(db, args.helpers, random.Random(7))
        results: dict[str, list[float]] = {"placeholder": [], "conversation": []}
        for round_no in range(2):  # alternate, so both see the same database growth
            for name in ("placeholder", "conversation"):
                prefix = "+1646" + ("5" if name == "placeholder" else "6") + f"55{round_no}"
                numbers = [f"{prefix}{i:03d}" for i in range(40)]
                results[name] += run(app, args.texts // 2, name, numbers, mix)
        huey.storage.flush_queue()
        with app.app_context():
            db.engine.dispose()
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"{backend}, {args.helpers} helpers, {args.texts} texts per handler")
    for name, times in results.items():
        ms = [t * 1000 for t in times]
        print(
            f"  {name:12s} mean {statistics.mean(ms):6.2f} ms  p50 {percentile(ms, 50):6.2f} ms"
            f"  p95 {percentile(ms, 95):6.2f} ms  p99 {percentile(ms, 99):6.2f} ms"
        )
    base = statistics.mean(results["placeholder"])
    conv = statistics.mean(results["conversation"])
    print(f"  conversation / placeholder mean time: {conv / base:.2f}x")
    p95 = percentile([t * 1000 for t in results["conversation"]], 95)
    print(f"  conversation p95 {p95:.1f} ms (webhook budget: well under 1000 ms)")


if __name__ == "__main__":
    main()
