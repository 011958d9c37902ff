"""CSV imports from the web run in the worker: the upload is stored in an ``ImportJob`` row,
a Huey task imports it (mutualaid.jobs.csv_import) and writes its progress to the row every
``CHECKPOINT_ROWS`` rows, and the page the coordinator is sent to refreshes itself until the
import is done, then lists the per-row errors. A 5,000-row file therefore never runs inside a
web request (gunicorn's 30 s timeout). The uploaded text is erased when the import ends.

If the task is lost (queue down, worker restarted), ``resume_stalled`` picks the job up
again; the import is idempotent, so rows already imported come out "unchanged".
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from mutualaid.models import ImportJob, Person, utcnow
from mutualaid.models.imports import IMPORT_DONE, IMPORT_FAILED, IMPORT_QUEUED, IMPORT_RUNNING
from mutualaid.workspace import csv_common, csvio

CHECKPOINT_ROWS = 100
STALLED_AFTER = timedelta(minutes=10)  # a running job that wrote no progress this long


def start_import(
    session: Session, actor: Person, kind: str, filename: str, data: bytes
) -> ImportJob:
    """Check the file as a whole (raises csv_common.ImportFileError) and store it as a job."""
    rows = csv_common.read_rows(data, kind)
    job = ImportJob(
        actor_id=actor.id,
        kind=kind,
        filename=(filename or "")[:200],
        data=data.decode("utf-8-sig"),
        total=len(rows),
        errors=[],
    )
    session.add(job)
    session.flush()
    return job


def claim(session: Session, job_id: int, *, now: datetime | None = None) -> ImportJob | None:
    """Mark a queued (or stalled) job running; None if another worker has it or it is done."""
    now = now or utcnow()
    # An UPDATE without RETURNING gives a CursorResult; Session.execute is typed as Result.
    taken = cast(
        "CursorResult[Any]",
        session.execute(
            update(ImportJob)
            .where(
                ImportJob.id == job_id,
                or_(
                    ImportJob.status == IMPORT_QUEUED,
                    (ImportJob.status == IMPORT_RUNNING)
                    & (ImportJob.started_at < now - STALLED_AFTER),
                ),
            )
            .values(status=IMPORT_RUNNING, started_at=now)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    if not taken:
        return None
    job = session.get(ImportJob, job_id)
    session.refresh(job)
    return job


def run_import(
    session: Session,
    job: ImportJob,
    *,
    passwords,
    checkpoint: Callable[[], None],
) -> csv_common.ImportReport:
    """Import a claimed job. ``checkpoint`` (the task's commit) runs every CHECKPOINT_ROWS
    rows after the counters are written, so the page shows progress."""
    actor = session.get(Person, job.actor_id)
    assert actor is not None, "actor_id is a foreign key (ON DELETE CASCADE removes the job)"
    rows = csv_common.read_rows(job.data, job.kind)
    locate = csv_common.prelocate(session, rows, checkpoint)
    job.total = len(rows)

    def progress(report: csv_common.ImportReport) -> None:
        if report.done % CHECKPOINT_ROWS == 0 and report.done < report.total:
            _copy(job, report)
            job.started_at = utcnow()  # a heartbeat for resume_stalled
            checkpoint()

    report = csvio.import_rows(
        session, actor, job.kind, rows, passwords=passwords, locate=locate, progress=progress
    )
    _copy(job, report)
    job.status = IMPORT_DONE
    job.finished_at = utcnow()
    job.data = ""  # the upload carries personal data; the counts and errors are enough
    session.flush()
    return report


def fail(session: Session, job_id: int, message: str) -> None:
    job = session.get(ImportJob, job_id)
    if job is not None:
        job.status = IMPORT_FAILED
        job.failure = message[:500]
        job.finished_at = utcnow()
        job.data = ""
        session.flush()


def _copy(job: ImportJob, report: csv_common.ImportReport) -> None:
    job.created, job.updated, job.unchanged = report.created, report.updated, report.unchanged
    job.errors = [[line, message] for line, message in report.errors]


def stalled(session: Session, *, now: datetime | None = None) -> list[int]:
    """Jobs whose task seems lost: queued for over a minute, or running without progress."""
    now = now or utcnow()
    return list(
        session.scalars(
            select(ImportJob.id).where(
                or_(
                    (ImportJob.status == IMPORT_QUEUED)
                    & (ImportJob.created_at < now - timedelta(minutes=1)),
                    (ImportJob.status == IMPORT_RUNNING)
                    & (ImportJob.started_at < now - STALLED_AFTER),
                )
            )
        )
    )


def recent(session: Session, viewer: Person, *, limit: int = 5) -> list[ImportJob]:
    """The viewer's latest imports, newest first (to find a running one again)."""
    return list(
        session.scalars(
            select(ImportJob)
            .where(ImportJob.actor_id == viewer.id)
            .order_by(ImportJob.id.desc())
            .limit(limit)
        )
    )


def visible_job(session: Session, viewer: Person, job_id: int) -> ImportJob | None:
    """The job if the viewer started it (or is an admin)."""
    job = session.get(ImportJob, job_id)
    if job is None or not (viewer.is_admin or job.actor_id == viewer.id):
        return None
    return job
