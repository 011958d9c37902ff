"""Sign-in and sign-up throttling: counts failed log-ins per (IP, email), per IP, and per
email over every IP, and sign-up attempts per IP; locks further attempts for a while once a
limit is passed.

The counters are rows in ``login_throttles`` (shared by every web process). Keys are hashes,
so the table holds no email or address in clear. Failures count whether or not the email
belongs to an account, so the lock-out message reveals nothing about which accounts exist.

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
class Rule:
    limit: int  # attempts within ``window`` that trigger a lock
    window: timedelta
    lock: timedelta


@dataclass(frozen=True)
class Limits:
    per_account: int = 5  # failures for one email from one IP within the window
    per_ip: int = 30  # failures from one IP (any emails) within the window
    window: timedelta = timedelta(minutes=15)
    lock: timedelta = timedelta(minutes=15)
    # One email from every IP (issue 16): a botnet cannot guess one account's password
    # 5 tries per address at a time.
    per_email: Rule = Rule(20, timedelta(hours=1), timedelta(hours=1))
    # Sign-up attempts (successful or not) per IP.
    signups: Rule = Rule(10, timedelta(hours=1), timedelta(hours=1))


LIMITS = Limits()


def _hash(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _keys(ip: str, email: str) -> list[tuple[str, Rule]]:
    email = (email or "").strip().lower()
    short = Rule(LIMITS.per_account, LIMITS.window, LIMITS.lock)
    by_ip = Rule(LIMITS.per_ip, LIMITS.window, LIMITS.lock)
    return [
        (f"a:{_hash(ip, email)}", short),
        (f"i:{_hash('ip', ip)}", by_ip),
        (f"e:{_hash('email', email)}", LIMITS.per_email),
    ]


def _signup_key(ip: str) -> tuple[str, Rule]:
    return f"s:{_hash('signup', ip)}", LIMITS.signups


def locked_until(
    session: Session, ip: str, email: str, now: datetime | None = None
) -> datetime | None:
    """When the lock on this IP/email ends, or None if sign-in may be attempted now."""
    now = now or utcnow()
    return _locked(session, [k for k, _ in _keys(ip, email)], now)


def _locked(session: Session, keys: list[str], now: datetime | None) -> datetime | None:
    now = now or utcnow()
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    ends = [r.locked_until for r in rows if r.locked_until and r.locked_until > now]
    return max(ends) if ends else None


def record_failure(
    session: Session, ip: str, email: str, now: datetime | None = None
) -> datetime | None:
    """Count one failed attempt; returns the lock's end if this failure triggered a lock."""
    return _count(session, _keys(ip, email), now or utcnow())


def signup_locked_until(session: Session, ip: str, now: datetime | None = None) -> datetime | None:
    """When sign-up from this IP may be tried again, or None if it may be tried now."""
    return _locked(session, [_signup_key(ip)[0]], now)


def record_signup(session: Session, ip: str, now: datetime | None = None) -> datetime | None:
    """Count one sign-up attempt from ``ip``; returns the lock's end if it triggered one."""
    return _count(session, [_signup_key(ip)], now or utcnow())


def _email_key(ip: str, limit: int) -> tuple[str, Rule]:
    return f"m:{_hash('email-request', ip)}", Rule(limit, timedelta(hours=1), timedelta(hours=1))


def email_requests_locked_until(
    session: Session, ip: str, now: datetime | None = None
) -> datetime | None:
    """When "forgot password" / "resend the link" may be asked from ``ip`` again (issue 19)."""
    return _locked(session, [_email_key(ip, 1)[0]], now)


def record_email_request(
    session: Session, ip: str, limit: int, now: datetime | None = None
) -> datetime | None:
    """Count one request for an account email from ``ip``; the lock's end if it triggered one."""
    return _count(session, [_email_key(ip, limit)], now or utcnow())


def _count(session: Session, keys: list[tuple[str, Rule]], now: datetime) -> datetime | None:
    locked: datetime | None = None
    for key, rule in keys:
        row = _row(session, key, now)
        if now - row.window_start > rule.window:
            row.failures, row.window_start, row.locked_until = 0, now, None
        row.failures += 1
        if row.failures >= rule.limit:
            row.locked_until = now + rule.lock
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
