"""CSV imports that run in the worker (issue 8): the stored upload and its progress."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualaid.models.base import Base, utcnow

IMPORT_QUEUED = "queued"
IMPORT_RUNNING = "running"
IMPORT_DONE = "done"
IMPORT_FAILED = "failed"


class ImportJob(Base):
    """One uploaded CSV file. ``data`` holds the file until the worker has imported it and is
    emptied afterwards (it carries names, phones and addresses); the counters and the per-row
    errors stay so the coordinator can read the outcome."""

    __tablename__ = "import_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    filename: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=IMPORT_QUEUED)
    total: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[list[int | str]]] = mapped_column(JSON, default=list)  # [[line, message]]
    failure: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    actor = relationship("Person")

    @property
    def done(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.errors or [])

    @property
    def finished(self) -> bool:
        return self.status in (IMPORT_DONE, IMPORT_FAILED)
