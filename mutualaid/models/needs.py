"""Needs: what a neighbor asks for. Lifecycle and rules live in mutualaid.needs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualaid.models.base import Base, utcnow
from mutualaid.models.places import Located

URGENCIES = ("now", "today", "week", "flexible")

STATUS_OPEN = "open"
STATUS_MATCHING = "matching"
STATUS_FORMING = "forming"
STATUS_ACTIVE = "active"
STATUS_RESOLVED = "resolved"
STATUS_CANCELLED = "cancelled"
STATUS_EXPIRED = "expired"
ACTIVE_STATUSES = (STATUS_OPEN, STATUS_MATCHING, STATUS_FORMING, STATUS_ACTIVE)
# Still looking for helpers: with ``unmatched_reason`` set, the need is escalated.
ESCALATED_STATUSES = (STATUS_OPEN, STATUS_MATCHING, STATUS_FORMING)
STATUSES = (*ACTIVE_STATUSES, STATUS_RESOLVED, STATUS_CANCELLED, STATUS_EXPIRED)

CONTACT_PREFERENCES = ("web", "sms", "both")

_ACTIVE_SQL = "status IN ('open', 'matching', 'forming', 'active')"


class Need(Located, Base):
    __tablename__ = "needs"
    __table_args__ = (
        # A short code is unique among active needs; finished needs free their code.
        Index(
            "uq_needs_active_code",
            "code",
            unique=True,
            sqlite_where=text(_ACTIVE_SQL),
            postgresql_where=text(_ACTIVE_SQL),
        ),
        Index("ix_needs_status_created", "status", "created_at"),
        # The open-needs board: status plus a bounding box on the public (snapped) point.
        Index("ix_needs_status_public_lat_lng", "status", "public_lat", "public_lng"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(4))
    requester_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("areas.id"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    urgency: Mapped[str] = mapped_column(String(10), default="today")
    people_needed: Mapped[int] = mapped_column(Integer, default=1)
    details: Mapped[str] = mapped_column(Text, default="")
    contact_preference: Mapped[str] = mapped_column(String(5), default="web")
    status: Mapped[str] = mapped_column(String(12), default=STATUS_OPEN)
    search_radius_km: Mapped[float | None]
    unmatched_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    first_invited_at: Mapped[datetime | None]
    pod_formed_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    expired_at: Mapped[datetime | None]  # when the expiry job closed it (cleared on re-open)
    # Set by CSV imports (issue 8): re-importing the same row updates instead of duplicating.
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True, index=True)

    requester = relationship("Person", foreign_keys=[requester_id])
    area = relationship("Area")

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def escalated(self) -> bool:
        """Still looking for helpers, and the widest search radius found nobody (the
        coordinators of its area and of neighboring areas are looking: mutualaid.policy)."""
        return self.status in ESCALATED_STATUSES and bool(self.unmatched_reason)

    def __repr__(self) -> str:
        return f"<Need {self.code} {self.category} {self.status}>"
