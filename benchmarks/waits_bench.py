"""Wall-clock figures the tests no longer assert (issue 15): pacing, timeouts, early returns.

The tests check these behaviours on fake clocks and with events (tests/sms/test_outbox.py,
tests/integration/test_geocoding.py), so a loaded machine cannot fail them; the times they
used to bound are measured here, each printed beside the bound the test had and the 1-minute
load average at the start and end of the measurement. Everything runs in this process on
loopback: the Twilio emulator, the fake Nominatim, SQLite (or a throwaway PostgreSQL).

    .venv/bin/python benchmarks/waits_bench.py [--rounds 5] [--db sqlite|postgres]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack, suppress

from _common import throwaway_postgres  # also puts the project on sys.path


@dataclasses.dataclass
class Figure:
    name: str
    bound: str  # what the test used to assert on the wall clock
    seconds: list[float] = dataclasses.field(default_factory=list)
    load: list[float] = dataclasses.field(default_factory=list)  # 1-min load average seen

    def measure(self, run: Callable[[], float | None]) -> None:
        self.load.append(os.getloadavg()[0])
        elapsed = run()
        self.load.append(os.getloadavg()[0])
        if elapsed is not None:
            self.seconds.append(elapsed)

    def row(self) -> str:
        if not self.seconds:
            return f"{self.name:<56} {self.bound:<10} (no valid round)"
        med, top = statistics.median(self.seconds), max(self.seconds)
        return (
            f"{self.name:<56} {self.bound:<10} {med * 1000:9.1f} {top * 1000:9.1f}"
            f"   {min(self.load):.2f}-{max(self.load):.2f}"
        )


def timed(work: Callable[[], object]) -> float:
    start = time.monotonic()
    work()
    return time.monotonic() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from mutualaid import create_app
    from mutualaid.extensions import db
    from mutualaid.geo.geocoding import Geocoder, GeocodeUnavailable, PlaceNotFound
    from mutualaid.sms import dispatcher
    from mutualaid.sms.dispatcher import Pacer
    from mutualaid.sms.outbox import queue_sms
    from tests.fakes.nominatim import FakeNominatim
    from tests.fakes.twilio_emulator import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, TwilioEmulator

    figures = {
        "paced": Figure("Pacer(20/s): 5 waits (ideal 200 ms)", ">= 190 ms"),
        "unpaced": Figure("Pacer(0): 100 waits", "< 50 ms"),
        "worker": Figure("worker at 10/s: 4 texts to the emulator (ideal 300 ms)", ">= 290 ms"),
        "late": Figure("paced: a second thread's send task returns after", "< 50 ms"),
        "timeout": Figure("geocoder timeout 0.5 s, service holds 2 s (3 tries)", "< 1800 ms"),
        "limiter": Figure("geocoder 1 request / 0.4 s: 3 look-ups (ideal 800 ms)", ">= 800 ms"),
    }

    with ExitStack() as stack:
        if args.db == "postgres":
            url = stack.enter_context(throwaway_postgres("mutualaid_waits_bench"))
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.db"
        emu = stack.enter_context(TwilioEmulator(callbacks=False))
        nominatim = FakeNominatim().start()
        stack.callback(nominatim.stop)
        app = create_app(
            {
                "MUTUALAID_ENV": "testing",
                "DATABASE_URL": url,
                "QUEUE_URL": "memory://",
                "SMS_BACKEND": "twilio",
                "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
                "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
                "TWILIO_FROM_NUMBER": FROM_NUMBER,
                "TWILIO_API_URL": emu.url,
                "SMS_RATE_PER_SECOND": "0",
                "SMS_DAILY_CAP": "10000",
                "LOG_LEVEL": "warning",
            }
        )

        for noisy in ("urllib3", "mutualaid"):  # the timeouts and retries are expected here
            logging.getLogger(noisy).setLevel(logging.ERROR)

        def paced_at(rate: float) -> None:
            app.config["MUTUALAID"] = dataclasses.replace(
                app.config["MUTUALAID"], sms_rate_per_second=rate
            )
            app.extensions.pop("sms_pacer", None)

        def queued(bodies: list[str], number: str) -> list[int]:
            real_enqueue = dispatcher.enqueue_dispatch
            dispatcher.enqueue_dispatch = lambda ids, bind=None: None  # queue only
            try:
                ids = [queue_sms(db.session, number, b, kind="notice").id for b in bodies]
                db.session.commit()
            finally:
                dispatcher.enqueue_dispatch = real_enqueue
            return ids

        def worker_round(r: int) -> float:
            paced_at(10.0)
            number = f"+1718555{r:04d}"
            queued([f"paced {i}" for i in range(4)], number)
            elapsed = timed(dispatcher.dispatch_due)
            assert len(emu.sent_to(number)) == 4, "every text sent once"
            return elapsed

        def late_round(r: int) -> float | None:
            """One thread sends 6 texts at 20/s (the paced sender); once the first is out,
            another thread's task arrives: how long until it returns?"""
            paced_at(20.0)
            number, late_number = f"+1646555{r:04d}", f"+1347555{r:04d}"
            ids = queued([f"notice {i}" for i in range(6)], number)
            (late_id,) = queued(["your pod is ready"], late_number)

            def sender() -> None:
                with app.app_context():
                    dispatcher.dispatch_paced(ids)

            thread = threading.Thread(target=sender)
            thread.start()
            deadline = time.monotonic() + 30
            while not emu.sent_to(number) and time.monotonic() < deadline:
                time.sleep(0.001)  # a benchmark, not a test: poll for the first send
            start = time.monotonic()
            handled = dispatcher.dispatch_paced([late_id])
            elapsed = time.monotonic() - start
            thread.join(timeout=30)
            assert len(emu.sent_to(late_number)) == 1, "the late text went out once"
            return elapsed if handled == 0 else None  # the sender had already finished

        def timeout_round(r: int) -> float:
            nominatim.mode, nominatim.delay = "timeout", 2.0
            geocoder = Geocoder(nominatim_url=nominatim.url, min_delay_seconds=0, timeout=0.5)
            start = time.monotonic()
            try:
                geocoder.geocode(db.session, f"{100 + r} Bedford Ave")
            except GeocodeUnavailable:
                return time.monotonic() - start
            finally:
                nominatim.mode = "ok"
            raise AssertionError("the slow service did not time out")

        def limiter_round(r: int) -> float:
            geocoder = Geocoder(nominatim_url=nominatim.url, min_delay_seconds=0.4, timeout=1)
            start = time.monotonic()
            for q in ("one", "two", "three"):
                with suppress(PlaceNotFound):  # unknown places: the fake answers []
                    geocoder.geocode(db.session, f"somewhere {q} {r}")
            return time.monotonic() - start

        def pacer_round() -> float:
            pacer = Pacer(20.0)
            return timed(lambda: [pacer.wait() for _ in range(5)])

        def unpaced_round() -> float:
            pacer = Pacer(0)
            return timed(lambda: [pacer.wait() for _ in range(100)])

        with app.app_context():
            upgrade()
            for r in range(args.rounds):
                figures["paced"].measure(pacer_round)
                figures["unpaced"].measure(unpaced_round)
                figures["worker"].measure(lambda r=r: worker_round(r))
                figures["late"].measure(lambda r=r: late_round(r))
                figures["timeout"].measure(lambda r=r: timeout_round(r))
                figures["limiter"].measure(lambda r=r: limiter_round(r))
            db.session.remove()
            db.engine.dispose()

    print(f"database: {args.db}; {args.rounds} rounds; {os.cpu_count()} cores; times in ms")
    print(f"{'figure':<56} {'test had':<10} {'median ms':>9} {'max ms':>9}   load avg 1m")
    for figure in figures.values():
        print(figure.row())


if __name__ == "__main__":
    main()
