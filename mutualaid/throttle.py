"""Sign-in throttling: counts failed log-ins per (IP, email) and per IP, and locks further
attempts for a while once a limit is passed.

The counters are rows in ``login_throttles`` (shared by every web process). Keys are hashes,
so the table holds no email in clear. Failures count whether or not the email belongs to an
account, so the lock-out message reveals nothing about which accounts exist.

Plain functions taking a session; they flush and never commit.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mutualaid.models import LoginThrottle, utcnow


@dataclass(frozen=True)
class Limits:
    per_account: int = 5  # failures for one email from one IP within the window
    per_ip: int = 30  # failures from one IP (any emails) within the window
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)


LIMITS = Limits()


def _keys(ip: str, email: str) -> list[tuple[str, int]]:
    email = (email or "").strip().lower()
    both = hashlib.sha256(f"{ip}\x00{email}".encode()).hexdigest()
    only_ip = hashlib.sha256(f"ip\x00{ip}".encode()).hexdigest()
    return [(f"a:{both}", LIMITS.per_account), (f"i:{only_ip}", LIMITS.per_ip)]


def locked_until(
    session: Session, ip: str, email: str, now: datetime | None = None
) -> datetime | None:
    """When the lock on this IP/email ends, or None if sign-in may be attempted now."""
    now = now or utcnow()
    keys = [k for k, _ in _keys(ip, email)]
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    ends = [r.locked_until for r in rows if r.locked_until and r.locked_until > now]
    return max(ends) if ends else None


def record_failure(
    session: Session, ip: str, email: str, now: datetime | None = None
) -> datetime | None:
    """Count one failed attempt; returns the lock's end if this failure triggered a lock."""
    now = now or utcnow()
    locked: datetime | None = None
    for key, limit in _keys(ip, email):
        row = _row(session, key, now)
        if now - row.window_start > LIMITS.window:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= limit:
            row.locked_until = now + LIMITS.lock
            locked = row.locked_until
    session.flush()
    return locked


def clear_account(session: Session, ip: str, email: str) -> None:
    """A successful sign-in forgets the failures for this IP and email."""
    key = _keys(ip, email)[0][0]
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def _row(session: Session, key: str, now: datetime) -> LoginThrottle:
    row = session.get(LoginThrottle, key, with_for_update=True)
    if row is not None:
        return row
    try:
        with session.begin_nested():  # two processes may create the same key at once
            row = LoginThrottle(key=key, failures=0, window_start=now)
            session.add(row)
    except IntegrityError:
        row = session.get(LoginThrottle, key, with_for_update=True, populate_existing=True)
        assert row is not None
    return row
