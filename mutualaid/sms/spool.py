"""Inbound texts that arrive while the database is down (issue 16): the webhook appends
the signed request's fields to a local spool file and answers Twilio 200, so nothing is
lost and Twilio does not give up; the periodic SMS sweep stores the spooled texts once the
database answers again (``store_inbound`` keeps one row per MessageSid, so a text spooled
and also retried by Twilio has one effect).

One file per process (``inbound-<pid>.jsonl``), one JSON line per text, written under an
exclusive ``flock`` and fsynced before the webhook answers. The drain renames a file
aside, waits for the lock (a writer mid-append finishes first), stores every line and
deletes the file only after the commit; a writer that opened the old name re-opens the new
one (it checks the inode after locking).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

PREFIX = "inbound-"


def _open_locked(path: Path) -> int:
    """An fd of ``path`` (created if missing) under an exclusive lock, still named so."""
    while True:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            if os.fstat(fd).st_ino == os.stat(path).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)  # renamed by a drain meanwhile: write to a fresh file


def spool(directory: Path, fields: dict[str, Any]) -> None:
    """Append one inbound text durably (raises OSError if the disk refuses)."""
    directory.mkdir(parents=True, exist_ok=True)
    fd = _open_locked(directory / f"{PREFIX}{os.getpid()}.jsonl")
    try:
        os.write(fd, (json.dumps(fields, ensure_ascii=False) + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def pending(directory: Path) -> int:
    """How many spooled files wait to be drained (for /healthz and tests)."""
    if not directory.is_dir():
        return 0
    return sum(1 for _ in directory.glob(f"{PREFIX}*.jsonl")) + sum(
        1 for _ in directory.glob("draining-*.jsonl")
    )


def drain(directory: Path, store: Callable[[list[dict[str, Any]]], None]) -> int:
    """Hand every spooled text to ``store`` (which stores and commits them, or raises: the
    file then stays for the next sweep). Returns how many texts were handed over."""
    if not directory.is_dir():
        return 0
    handed = 0
    for path in sorted(directory.glob(f"{PREFIX}*.jsonl")):
        aside = directory / f"draining-{uuid.uuid4().hex}.jsonl"
        try:
            os.rename(path, aside)
        except FileNotFoundError:
            continue
    for aside in sorted(directory.glob("draining-*.jsonl")):
        fd = os.open(aside, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a writer mid-append finishes first
            rows = []
            for line in aside.read_text().splitlines():
                try:
                    rows.append(json.loads(line))
                except ValueError:  # a write cut short by a crash: Twilio got no 200
                    log.warning("skipped a torn line in %s", aside.name)
        finally:
            os.close(fd)
        store(rows)
        aside.unlink()
        handed += len(rows)
        log.info("stored %d inbound texts spooled during a database outage", len(rows))
    return handed
