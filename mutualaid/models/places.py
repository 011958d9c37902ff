"""Where things are: areas, the location columns shared by people, needs and offers,
and the geocode cache."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Float, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualaid.models.base import Base, utcnow

LOCATION_OK = "ok"
LOCATION_PENDING = "pending"  # geocoder unreachable; a job retries
LOCATION_FAILED = "failed"  # the place could not be found; the person is asked again
LOCATION_NONE = "none"  # no location given (e.g. a phone-only person's home)


class Located:
    """Exact location (private) plus the snapped public cell (shareable).

    ``address_text`` and ``lat``/``lng`` are seen only by the owner, seated pod members and
    the area's coordinators. ``public_lat``/``public_lng`` is the centre of a fixed grid cell
    computed deterministically from the exact point.
    """

    address_text: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lng: Mapped[float | None] = mapped_column(Float)
    public_lat: Mapped[float | None] = mapped_column(Float)
    public_lng: Mapped[float | None] = mapped_column(Float)
    location_status: Mapped[str] = mapped_column(String(12), default=LOCATION_NONE)
    # Geocoding retries for "pending" locations (mutualaid.jobs.retry_pending_locations).
    location_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    location_checked_at: Mapped[datetime | None]

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lng is not None


area_coordinators = Table(
    "area_coordinators",
    Base.metadata,
    Column("area_id", ForeignKey("areas.id", ondelete="CASCADE"), primary_key=True),
    Column("person_id", ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
)


class Area(Base):
    """A neighborhood with its own coordinators. Needs belong to the area they fall in."""

    __tablename__ = "areas"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    center_lat: Mapped[float] = mapped_column(Float)
    center_lng: Mapped[float] = mapped_column(Float)
    radius_km: Mapped[float] = mapped_column(Float, default=3.0)
    timezone: Mapped[str] = mapped_column(String(64), default="America/New_York")
    units: Mapped[str] = mapped_column(String(2), default="km")  # km | mi
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    coordinators = relationship("Person", secondary=area_coordinators, back_populates="areas")

    def __repr__(self) -> str:
        return f"<Area {self.slug}>"


class GeocodeCache(Base):
    """One row per normalised query that a geocoder answered."""

    __tablename__ = "geocode_cache"

    id: Mapped[int] = mapped_column(primary_key=True)
    query: Mapped[str] = mapped_column(String(300), unique=True)
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    display: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
