"""The job queue adapter: one Huey instance whose storage follows QUEUE_URL.

Tasks register on the module-level ``huey`` at import; ``configure_queue`` points it at
SQLite, Redis or memory once the settings are known. Tasks carry ids only; the database is
the source of truth, so a lost task loses nothing that a periodic sweep cannot find again.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from huey import Huey
from huey.constants import EmptyData
from huey.storage import MemoryStorage, PriorityRedisStorage, SqliteStorage
from redis import ConnectionPool

HEARTBEAT_KEY = "mutualaid:worker-heartbeat"


class QueueUnavailable(RuntimeError):
    """The queue's storage cannot be reached (retryable)."""


huey = Huey("mutualaid", storage_class=MemoryStorage, immediate=False, utc=True)

# Tasks by name: ``mutualaid.jobs`` registers each task it defines, and the code below the
# entry points enqueues by name (``enqueue("send_sms", 1, 2)``), so nothing under the jobs
# module has to import it.
_tasks: dict[str, Any] = {}
T = TypeVar("T", bound=Callable[..., Any])


def register(name: str) -> Callable[[T], T]:
    """Decorator for a Huey task: make it reachable through :func:`enqueue`."""

    def wrap(task: T) -> T:
        _tasks[name] = task
        return task

    return wrap


def is_immediate() -> bool:
    """True with ``QUEUE_URL=memory://`` (tests): work runs inline in the caller's thread."""
    return bool(huey.immediate)


def enqueue(name: str, *args: Any, delay: float | None = None) -> None:
    """Queue the task registered as ``name`` with ``args`` (ids only), now or after ``delay``
    seconds. Raises ``QueueUnavailable`` when no such task is registered, and whatever the
    storage raises when it is down (callers treat both as "the periodic sweep will do it")."""
    task = _tasks.get(name)
    if task is None:
        raise QueueUnavailable(f"no task registered as {name!r} (mutualaid.jobs not imported)")
    if delay is None:
        task(*args)
    else:
        task.schedule(args=args, delay=delay)


def configure_queue(url: str) -> None:
    """Point the shared Huey instance at the storage named by ``url``."""
    if url.startswith("memory://"):
        huey.immediate = True  # tasks run inline, in the caller's thread
        return
    huey.immediate = False
    if url.startswith("sqlite://"):
        path = Path(url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else "")
        if not str(path):
            raise QueueUnavailable(f"QUEUE_URL has no file path: {url!r}")
        path.parent.mkdir(parents=True, exist_ok=True)
        huey.storage = SqliteStorage(huey.name, filename=str(path), timeout=5)
    elif url.startswith(("redis://", "rediss://")):
        pool = ConnectionPool.from_url(url, socket_timeout=5, socket_connect_timeout=3)
        huey.storage = PriorityRedisStorage(huey.name, connection_pool=pool)
    else:
        raise QueueUnavailable(f"unsupported QUEUE_URL {url!r}")


def claim_tick(name: str, period_minutes: int, now: float | None = None) -> bool:
    """May this process run periodic task ``name`` for the current tick? Every worker process
    runs Huey's scheduler, so each would enqueue the same periodic task; the first to claim
    the tick (an atomic put-if-empty in the queue's storage: Redis HSETNX, SQLite INSERT)
    runs it, the others skip. The claim of the same tick a day earlier is dropped, so the
    storage keeps about a day of claims."""
    period = max(1, period_minutes) * 60
    tick = int((now if now is not None else time.time()) // period * period)
    if not huey.storage.put_if_empty(f"tick:{name}:{tick}", b"1"):
        return False
    huey.storage.delete_data(f"tick:{name}:{tick - 86400}")
    return True


def queue_state() -> dict[str, Any]:
    """What /healthz reports: is the queue reachable, how much waits, when the worker beat."""
    try:
        pending = huey.pending_count()
        beat = huey.storage.peek_data(HEARTBEAT_KEY)
    except Exception as exc:  # any storage error means "unreachable" to the health check
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:200]}
    state: dict[str, Any] = {"ok": True, "pending": pending, "immediate": huey.immediate}
    if beat is not EmptyData and beat is not None:
        with contextlib.suppress(TypeError, ValueError):
            state["worker_seen_seconds_ago"] = round(time.time() - float(beat), 1)
    return state


def record_heartbeat() -> None:
    huey.storage.put_data(HEARTBEAT_KEY, str(time.time()).encode())
