"""One worker process for tests/faults/test_two_consumers.py: a real Huey consumer (its
scheduler and two worker threads) on its own connection to the shared queue, running one
periodic probe guarded by the production ``mutualaid.jobs.once_per_tick``.

    python -m tests.faults.tick_consumer QUEUE_URL RUN_ID EVENTS_FILE CLOCK_FILE

The production queue (``mutualaid.queue.huey``, where ticks are claimed) is pointed at
QUEUE_URL by the production ``configure_queue``, as ``flask worker`` does. The consumer runs
a Huey of its own on the same storage that knows only the probe, so the app's periodic jobs
stay out of it. Time, for the claim only, is read from CLOCK_FILE (epoch seconds the test
writes), so "the same minute" does not depend on the wall clock; the scheduler checks its
periodic tasks every second instead of every minute. Each event is a line appended to
EVENTS_FILE: ``enqueue|attempt|ran PID TICK``. SIGINT stops the consumer gracefully.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

from huey import Huey, crontab
from huey.consumer import Consumer, Scheduler
from huey.storage import MemoryStorage

from mutualaid import queue
from mutualaid.jobs import once_per_tick

GIVE_UP_SECONDS = 60  # never outlive a test that died


class FileClock:
    """Stands in for the ``time`` module inside mutualaid.queue: the test sets the time."""

    def __init__(self, path: str):
        self.path = path

    def time(self) -> float:
        with open(self.path) as fh:
            return float(fh.read())


def main(url: str, run_id: str, events: str, clock_path: str) -> None:
    clock = FileClock(clock_path)
    queue.time = clock  # the claim's clock only
    queue.configure_queue(url)
    fd = os.open(events, os.O_WRONLY | os.O_APPEND | os.O_CREAT)

    def record(kind: str) -> None:
        tick = int(clock.time() // 60 * 60)
        os.write(fd, f"{kind} {os.getpid()} {tick}\n".encode())  # one append: atomic

    huey = Huey(f"ticks-{run_id}", storage_class=MemoryStorage, utc=True)
    # Its own connection to the same queue (the claims use the production queue's).
    huey.storage = type(queue.huey.storage)(huey.name, **_storage_kwargs(url))

    def body() -> None:
        record("ran")

    body.__name__ = f"probe_{run_id}"  # the claim's key: unique to this test run
    guarded = once_per_tick(1)(body)

    @huey.periodic_task(crontab(minute="*"), name="probe")
    def probe() -> None:
        record("attempt")
        guarded()

    class RecordingScheduler(Scheduler):
        periodic_task_seconds = 1

        def enqueue_periodic_tasks(self, now):
            record("enqueue")
            super().enqueue_periodic_tasks(now)

    class ProbeConsumer(Consumer):
        scheduler_class = RecordingScheduler

    consumer = ProbeConsumer(huey, workers=2, periodic=True, initial_delay=0.05, max_delay=0.2)
    threading.Timer(GIVE_UP_SECONDS, os.kill, (os.getpid(), signal.SIGINT)).start()
    try:
        consumer.run()
    finally:
        os.close(fd)
        os._exit(0)  # the give-up timer is not waited for


def _storage_kwargs(url: str) -> dict:
    """Like mutualaid.queue.configure_queue's, for a second connection."""
    if url.startswith("sqlite:"):
        return {"filename": queue.huey.storage.filename, "timeout": 5}
    # Only the Redis variant needs it.
    from redis import ConnectionPool

    return {"connection_pool": ConnectionPool.from_url(url, socket_timeout=5)}


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    main(*sys.argv[1:5])
