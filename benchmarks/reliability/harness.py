"""Shared plumbing for the reliability scripts: a scratch PostgreSQL database, real
gunicorn web processes and Huey workers on loopback ports, logged-in HTTP clients, and
process memory readings. Everything started here is stopped here (by pid), every wait is
bounded in time.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import requests
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
BIN = ROOT / ".venv" / "bin"
PG_BASE_URL = os.environ.get(
    "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SECRET = "reliability-" + "k" * 40
PASSWORD = "correct horse battery"  # noqa: S105 (scratch accounts only)
LOG_DIR = ROOT / "test-artifacts" / "reliability"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _admin_engine() -> sa.Engine:
    return sa.create_engine(
        PG_BASE_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 5}
    )


@contextlib.contextmanager
def scratch_database(label: str) -> Iterator[str]:
    """A new PostgreSQL database, migrated to head; dropped afterwards."""
    name = f"mutualaid_{label}_{uuid.uuid4().hex[:8]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(PG_BASE_URL).set(database=name).render_as_string(hide_password=False)
    try:
        app = make_app(url)
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
            from mutualaid.extensions import db

            db.engine.dispose()
        yield url
    finally:
        for _ in range(30):  # PostgreSQL may be restarting (fault scripts): wait for it
            try:
                with admin.connect() as conn:
                    conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                break
            except sa.exc.OperationalError:
                time.sleep(1)
        admin.dispose()


def app_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        "MUTUALAID_ENV": "development",
        "SECRET_KEY": SECRET,
        "DATABASE_URL": database_url,
        "QUEUE_URL": "memory://",
        "SMS_BACKEND": "console",
        "GEOCODER": "latlng,postal",
        "PASSWORD_TIME_COST": "1",
        "PASSWORD_MEMORY_KIB": "64",
        "LOG_LEVEL": "warning",
    }
    env.update(extra)
    return env


def make_app(database_url: str, **extra: str):
    from mutualaid import create_app

    return create_app(app_env(database_url, **extra))


class Proc:
    """A child process we started; stopped by its own pid only."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str]):
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        self.name = name
        self.log_path = LOG_DIR / f"{name}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 (closed in stop)
        full_env = {**os.environ, **env}
        self.popen = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=full_env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill9(self) -> None:
        """SIGKILL the process group (a gunicorn master and its workers, or a consumer)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def stop(self, timeout: float = 15) -> None:
        if self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
        self.log.close()

    def rss_kib(self) -> int:
        """Resident memory of the process and its children (gunicorn workers)."""
        return sum(self.rss_by_pid().values())

    def rss_by_pid(self) -> dict[int, int]:
        """Resident memory (KiB) of the process and of each of its children, by pid."""
        out = {}
        for pid in [self.pid, *_children(self.pid)]:
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        out[pid] = int(line.split()[1])
        return out


def _children(pid: int) -> list[int]:
    out = []
    with contextlib.suppress(FileNotFoundError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            path = Path(f"/proc/{pid}/task/{tid}/children")
            with contextlib.suppress(FileNotFoundError):
                for child in path.read_text().split():
                    out.append(int(child))
                    out.extend(_children(int(child)))
    return out


def start_web(
    name: str,
    env: dict[str, str],
    workers: int = 2,
    threads: int = 4,
    port: int | None = None,
    extra_args: tuple[str, ...] = (),
) -> tuple[Proc, str]:
    """gunicorn with config/gunicorn.conf.py; `extra_args` (command-line options) override it."""
    port = port or free_port()
    proc = Proc(
        name,
        [
            str(BIN / "gunicorn"),
            "--config",
            "config/gunicorn.conf.py",
            *extra_args,
            "mutualaid:create_app()",
        ],
        {
            **env,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WEB_CONCURRENCY": str(workers),
            "WEB_THREADS": str(threads),
        },
    )
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: _healthy(base), 45, f"{name} did not come up; see {proc.log_path}")
    return proc, base


def start_worker(name: str, env: dict[str, str], workers: int = 2) -> Proc:
    return Proc(
        name,
        [str(BIN / "flask"), "--app", "mutualaid", "worker", "--workers", str(workers)],
        env,
    )


def start_redis(name: str = "redis") -> tuple[Proc, int]:
    """A private redis-server on a free loopback port (never the machine's 6379)."""
    port = free_port()
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    proc = Proc(
        name,
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(LOG_DIR),
        ],
        {},
    )
    import redis

    def up() -> bool:
        try:
            return bool(redis.Redis(port=port, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    wait_until(up, 15, "redis-server did not start")
    return proc, port


def _healthy(base: str) -> bool:
    try:
        return requests.get(base + "/healthz", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def wait_until(check, seconds: float, message: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise TimeoutError(message)


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF.search(html) or re.search(r'name="csrf_token" value="([^"]+)"', html)
    if not match:
        raise AssertionError("no CSRF token on the page")
    return match.group(1)


def logged_in(base: str, email: str, password: str = PASSWORD) -> tuple[requests.Session, str]:
    """A browser-like session logged in through the real form; returns it and a CSRF token."""
    s = requests.Session()
    token = csrf_of(s.get(base + "/auth/login", timeout=10).text)
    r = s.post(
        base + "/auth/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )
    if r.status_code != 302:
        raise AssertionError(f"login of {email} answered {r.status_code}")
    return s, token


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]
