"""Huey tasks and the periodic schedule. Each task pushes its own app context and commits
once at its edge; domain functions never commit."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, has_app_context
from huey import crontab

from mutualaid.queue import huey, record_heartbeat

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])

_worker_app: Flask | None = None


def bind_worker_app(app: Flask) -> None:
    """The worker process calls this once so tasks can open an app context."""
    global _worker_app
    _worker_app = app


def with_app_context(func: F) -> F:
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if has_app_context():
            return func(*args, **kwargs)
        if _worker_app is None:
            raise RuntimeError("worker app not bound; start the worker with `flask worker`")
        with _worker_app.app_context():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


@huey.periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """Lets /healthz say when the worker last ran."""
    record_heartbeat()


# --- SMS transport (issue 6) -------------------------------------------------------------


@huey.task()
@with_app_context
def send_sms(*message_ids: int) -> int:
    """Send the outbox rows one commit wrote (ids only), claimed in batches."""
    from mutualaid.sms.dispatcher import dispatch_ids

    return dispatch_ids(list(message_ids))


@huey.periodic_task(crontab(minute="*"))
@with_app_context
def sweep_sms() -> int:
    """Re-enqueue due outbox rows: lost tasks, retries whose time came, expired leases."""
    from mutualaid.sms.dispatcher import sweep

    return sweep()
