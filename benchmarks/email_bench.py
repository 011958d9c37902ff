"""Email: the outbox worker's send rate vs a bare smtplib loop, to the same loopback SMTP
server (aiosmtpd), side by side in one run.

The bare loop keeps one SMTP connection and sends a small EmailMessage per iteration. The
worker does everything it does in production: claims rows in batches (commit), loads each
row, builds the full message (headers, text and HTML parts), sends it over its own reused
connection and records the acceptance (PostgreSQL: one autocommitted UPDATE; SQLite: a
commit). Rounds alternate so neither side gets a warmer machine. Target: the worker reaches
at least 50 % of the bare loop. Prints the load average before and after.

    python benchmarks/email_bench.py [--n 500] [--rounds 3] [--db postgres|sqlite]
"""

from __future__ import annotations

import argparse
import os
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from email.message import EmailMessage

from _common import ROOT, throwaway_postgres  # also puts the project on sys.path


class SmtpProcess:
    """The loopback SMTP server (aiosmtpd) in a process of its own, as a real server is."""

    def __enter__(self) -> SmtpProcess:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"smtp://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.fakes.smtp_server", str(self.port)],
            stdout=subprocess.PIPE, text=True, cwd=str(ROOT),
        )  # fmt: skip
        assert self.proc.stdout is not None and self.proc.stdout.readline().strip() == "ready"
        return self

    def stop(self) -> tuple[int, int]:
        self.proc.terminate()
        out, _ = self.proc.communicate(timeout=20)
        received, distinct = out.split()[-2:]
        return int(received), int(distinct)

    def __exit__(self, *exc: object) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="emails per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    args = parser.parse_args()

    from flask_migrate import upgrade

    from mutualaid import create_app
    from mutualaid.email import dispatcher
    from mutualaid.email.outbox import PENDING_KEY, queue_email
    from mutualaid.extensions import db

    print(f"load average before: {_load()} ({os.cpu_count()} cores)")
    with ExitStack() as stack:
        if args.db == "postgres":
            url = stack.enter_context(throwaway_postgres("mutualaid_email_bench"))
        else:
            url = f"sqlite:///{stack.enter_context(tempfile.TemporaryDirectory())}/bench.db"
        smtp = stack.enter_context(SmtpProcess())
        app = create_app(
            {
                "MUTUALAID_ENV": "testing",
                "DATABASE_URL": url,
                "QUEUE_URL": "memory://",
                "EMAIL_BACKEND": "smtp",
                "SMTP_URL": smtp.url,
                "EMAIL_FROM": "mutualaid <noreply@example.org>",
                "LOG_LEVEL": "warning",
            }
        )
        bare_rates, worker_rates = [], []
        with app.app_context():
            upgrade()
            for r in range(args.rounds):
                start = time.perf_counter()
                with smtplib.SMTP("127.0.0.1", smtp.port, timeout=10) as conn:
                    for i in range(args.n):
                        msg = EmailMessage()
                        msg["From"] = "noreply@example.org"
                        msg["To"] = f"bare{i}@example.org"
                        msg["Subject"] = f"bare {r} {i}"
                        msg.set_content(f"bare body {r} {i}")
                        conn.send_message(msg)
                bare_rates.append(args.n / (time.perf_counter() - start))

                for i in range(args.n):
                    queue_email(
                        db.session, f"worker{i}@example.org", f"worker {r} {i}",
                        f"Hello,\n\nworker body {r} {i}", f"<p>worker body {r} {i}</p>",
                        kind="notice", unsubscribe_url="http://localhost:5000/email/unsubscribe/x",
                    )  # fmt: skip
                db.session.info.pop(PENDING_KEY, None)  # queue only; the timed run sends
                db.session.commit()
                start = time.perf_counter()
                sent = dispatcher.dispatch_due(limit=args.n)
                worker_rates.append(sent / (time.perf_counter() - start))
            db.session.remove()
            db.engine.dispose()
        b, w = statistics.median(bare_rates), statistics.median(worker_rates)
        print(f"database: {args.db}; {args.n} emails x {args.rounds} rounds")
        rounds = lambda rates: ", ".join(f"{x:.0f}" for x in rates)  # noqa: E731
        print(f"bare smtplib loop, one connection : {b:7.1f} emails/s ({rounds(bare_rates)})")
        print(f"email worker (claim/build/send/rec): {w:7.1f} emails/s ({rounds(worker_rates)})")
        print(f"ratio worker / bare: {w / b:.0%}  (target >= 50%)")
        received, distinct = smtp.stop()
        total = 2 * args.n * args.rounds
        assert received == total, f"every email sent exactly once ({received} of {total})"
        assert distinct == args.n * args.rounds + 1, "one Message-ID per worker email"
    print(f"load average after: {_load()}")


if __name__ == "__main__":
    main()
