"""Scale-out check: 2 web processes (gunicorn, 2 workers each) and 2 Huey consumers on one
PostgreSQL database and a private redis-server, texts going to the loopback Twilio
emulator (status callbacks signed and posted back to the web tier through PUBLIC_URL).

    .venv/bin/python benchmarks/reliability/sms_journeys.py [--texters 30] [--needs 10]

Journeys run at the same time, spread over both web processes:
- phone-only neighbors text HELP and a free text: each gets exactly its replies;
- SMS helpers (texts for invitations) are invited when web neighbors post needs: each
  invitation text goes out once;
- some texters send STOP: one confirmation, and a notice queued to them afterwards is
  cancelled, never sent.
Passes when no (recipient, text) reached the provider twice, none is missing, and every
outbox row ended sent/delivered or (for opted-out numbers) cancelled.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import json
import random
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.reliability.harness import (
    PASSWORD,
    free_port,
    logged_in,
    make_app,
    scratch_database,
    start_redis,
    start_web,
    start_worker,
    wait_until,
)
from benchmarks.reliability.sms_faults import sms_env
from tests.fakes.twilio_emulator import TwilioEmulator, inbound_params, sign


def seed(url: str, helpers: int, neighbors: int) -> tuple[list[str], list[str]]:
    from mutualaid.accounts import NewAccount, create_person
    from mutualaid.extensions import db
    from mutualaid.models import Offer, utcnow
    from mutualaid.models.people import CONSENT_OPTED_IN, SMS_PREF_NOTIFY

    app = make_app(url)
    rng = random.Random(5)
    with app.app_context():
        pw = app.extensions["passwords"]
        phones, emails = [], []
        for i in range(helpers):
            phone = f"+1917{5550000 + i:07d}"
            person = create_person(
                db.session,
                pw,
                NewAccount(f"Texty{i} Helper", f"th{i}@example.org", PASSWORD, phone=phone),
            )
            person.sms_preference = SMS_PREF_NOTIFY
            person.sms_consent = CONSENT_OPTED_IN
            person.sms_consent_at = person.phone_verified_at = utcnow()
            lat, lng = 40.71 + rng.uniform(-0.01, 0.01), -73.95 + rng.uniform(-0.01, 0.01)
            offer = Offer(
                helper_id=person.id,
                lat=lat,
                lng=lng,
                radius_km=5.0,
                capacity=20,
                location_status="ok",
                public_lat=round(lat, 2),
                public_lng=round(lng, 2),
            )
            offer.set_categories(["groceries"])
            db.session.add(offer)
            phones.append(phone)
        for i in range(neighbors):
            email = f"jn{i}@example.org"
            create_person(db.session, pw, NewAccount(f"Journey{i} Neighbor", email, PASSWORD))
            emails.append(email)
        db.session.commit()
        db.engine.dispose()
    return phones, emails


def outbox(url: str) -> tuple[collections.Counter, list[tuple[str, str, str]]]:
    from sqlalchemy import select

    from mutualaid.extensions import db
    from mutualaid.models import SmsMessage

    app = make_app(url)
    with app.app_context():
        rows = db.session.execute(
            select(SmsMessage.to_number, SmsMessage.body, SmsMessage.status).where(
                SmsMessage.direction == "out"
            )
        ).all()
        db.engine.dispose()
    return collections.Counter(r.status for r in rows), [tuple(r) for r in rows]


def queue_notice(url: str, numbers: list[str]) -> None:
    from mutualaid.extensions import db
    from mutualaid.sms.outbox import queue_sms

    app = make_app(url)
    with app.app_context():
        for n in numbers:
            queue_sms(db.session, n, "After STOP this must never be sent", kind="notice")
        db.session.commit()
        db.engine.dispose()


def sweep_now(url: str, env: dict[str, str]) -> None:
    """One pass of the periodic sweep's own code, here rather than at the worker's minute
    tick (fast variant in the test suite; claims make it safe next to running workers)."""
    from mutualaid.extensions import db
    from mutualaid.sms.dispatcher import sweep

    app = make_app(url, **{k: v for k, v in env.items() if k != "DATABASE_URL"})
    with app.app_context():
        sweep()
        db.engine.dispose()


def run(
    texters: int = 30,
    needs: int = 10,
    helpers: int = 12,
    max_wait: float = 150,
    inline_sweep: bool = False,
    pauses: tuple[float, float] = (3, 2),
) -> dict:
    port = free_port()  # the first web process's port is also the PUBLIC_URL for callbacks
    with scratch_database("journeys") as url, TwilioEmulator(callbacks=True) as emu:
        redis_proc, rport = start_redis("redis-journeys")
        phones, emails = seed(url, helpers, needs)
        env = sms_env(
            url, emu.url, rport, SMS_RATE_PER_SECOND="50", PUBLIC_URL=f"http://127.0.0.1:{port}"
        )
        web1, base1 = start_web("web-j1", {**env, "PORT": str(port)}, port=port)
        web2, base2 = start_web("web-j2", env)
        workers = [start_worker(f"worker-j{i}", env) for i in range(2)]
        bases = [base1, base2]
        try:
            texter_numbers = [f"+1347{5550000 + i:07d}" for i in range(texters)]
            stoppers = texter_numbers[: max(1, texters // 6)]

            def text(i_number_body):
                i, number, body = i_number_body
                params = inbound_params(number, body)
                target = bases[i % 2] + "/sms/inbound"
                signed = f"http://127.0.0.1:{port}/sms/inbound"
                import requests

                return requests.post(
                    target,
                    data=params,
                    timeout=30,
                    headers={"X-Twilio-Signature": sign(signed, params)},
                ).status_code

            def post_need(i_email):
                i, email = i_email
                base = bases[i % 2]
                s, token = logged_in(base, email)
                r = s.post(
                    base + "/needs/new",
                    allow_redirects=False,
                    timeout=30,
                    data={
                        "csrf_token": token,
                        "category": "groceries",
                        "urgency": "today",
                        "people_needed": "2",
                        "details": f"journey {i}",
                        "location": f"{40.71 + i * 0.0005:.4f},-73.9500",
                        "contact_preference": "web",
                    },
                )
                return r.status_code

            jobs = [(i, n, "HELP") for i, n in enumerate(texter_numbers)]
            jobs += [(i + 1, n, f"hi from {n}") for i, n in enumerate(texter_numbers)]
            with ThreadPoolExecutor(16) as pool:
                codes = list(pool.map(text, jobs))
                codes += list(pool.map(post_need, list(enumerate(emails))))
            time.sleep(pauses[0])  # the first replies before STOP (order matters per number)
            with ThreadPoolExecutor(8) as pool:
                codes += list(pool.map(text, [(i, n, "STOP") for i, n in enumerate(stoppers)]))
            time.sleep(pauses[1])
            queue_notice(url, stoppers)

            def settled() -> bool:
                statuses, _ = outbox(url)
                return not ({"queued", "sending"} & set(statuses))

            wait_until(settled, max_wait, "outbox did not settle")
            emu.wait_callbacks(timeout=10)

            # A "delivered" callback that raced the worker's commit is applied by the next
            # periodic sweep (at most a minute): wait for it rather than report "sent".
            def callbacks_applied() -> bool:
                if inline_sweep:
                    sweep_now(url, env)
                return "sent" not in outbox(url)[0]

            with contextlib.suppress(TimeoutError):
                wait_until(callbacks_applied, 75, "callbacks unsettled")
            statuses, rows = outbox(url)
        finally:
            for w in workers:
                w.stop()
            web1.stop()
            web2.stop()
            redis_proc.stop()
        at_provider = collections.Counter((m.to, m.body) for m in list(emu.messages.values()))
    sent_rows = collections.Counter(
        (to, body) for to, body, st in rows if st not in ("cancelled", "failed")
    )
    after_stop = [m for m in at_provider if "must never be sent" in m[1]]
    invitations = sum(1 for (to, _b) in at_provider if to in phones)
    result = {
        "web_processes": 2,
        "workers": 2,
        "requests": len(codes),
        "answers": {str(k): v for k, v in collections.Counter(codes).items()},
        "texts_at_provider": sum(at_provider.values()),
        "texts_to_sms_helpers": invitations,
        "duplicates_at_provider": sum(1 for c in at_provider.values() if c > 1),
        "missing_at_provider": len(set(sent_rows) - set(at_provider)),
        "sent_after_stop": len(after_stop),
        "outbox": dict(statuses),
    }
    result["ok"] = (
        set(result["answers"]) <= {"200", "302"}
        and result["duplicates_at_provider"] == 0
        and result["missing_at_provider"] == 0
        and result["sent_after_stop"] == 0
        and invitations > 0
        and statuses.get("cancelled", 0) >= len(stoppers)
        and statuses.get("sent", 0) == 0
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texters", type=int, default=30)
    parser.add_argument("--needs", type=int, default=10)
    args = parser.parse_args()
    result = run(args.texters, args.needs)
    print(json.dumps(result))
    sys.exit(0 if result["ok"] else 1)


if __name__ == "__main__":
    main()
