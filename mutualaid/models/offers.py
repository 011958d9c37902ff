"""Offers: what a helper can do, where, when and how often."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualaid.models.base import Base, utcnow
from mutualaid.models.places import Located

OFFER_ACTIVE = "active"
OFFER_PAUSED = "paused"
OFFER_EXPIRED = "expired"
OFFER_DELETED = "deleted"
OFFER_STATUSES = (OFFER_ACTIVE, OFFER_PAUSED, OFFER_EXPIRED, OFFER_DELETED)


class Offer(Located, Base):
    __tablename__ = "offers"
    __table_args__ = (Index("ix_offers_status_lat_lng", "status", "lat", "lng"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    radius_km: Mapped[float] = mapped_column(Float, default=3.0)
    # {"any_time": true} or {"any_time": false, "windows": [{"days": [0..6], "start": "18:00",
    # "end": "21:00"}]}; days are Monday=0, times are the area's local time.
    availability: Mapped[dict[str, Any]] = mapped_column(JSON, default=lambda: {"any_time": True})
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    notes: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default=OFFER_ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_confirmed_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirm_asked_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    # Set by CSV imports (issue 8): re-importing the same row updates instead of duplicating.
    external_id: Mapped[str | None] = mapped_column(String(80), unique=True, index=True)

    helper = relationship("Person")
    category_rows = relationship(
        "OfferCategory", cascade="all, delete-orphan", back_populates="offer", lazy="selectin"
    )

    @property
    def categories(self) -> list[str]:
        return sorted(row.category for row in self.category_rows)

    def set_categories(self, categories: list[str]) -> None:
        wanted = set(categories)
        self.category_rows = [r for r in self.category_rows if r.category in wanted]
        have = {r.category for r in self.category_rows}
        for cat in sorted(wanted - have):
            self.category_rows.append(OfferCategory(category=cat))

    def __repr__(self) -> str:
        return f"<Offer {self.id} {self.categories} {self.status}>"


class OfferCategory(Base):
    """One row per (offer, category): lets matching filter by category through an index."""

    __tablename__ = "offer_categories"

    offer_id: Mapped[int] = mapped_column(
        ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(30), primary_key=True, index=True)

    offer = relationship("Offer", back_populates="category_rows")
