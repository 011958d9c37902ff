"""What admins manage in the database: the categories of needs and offers (seeded from
config/categories.toml) and site settings that override environment defaults."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from mutualaid.models.base import Base, utcnow


class CategoryRow(Base):
    """One category. The key is stored on needs and offers and never changes; a category
    is deactivated rather than deleted, so old needs and offers keep their label."""

    __tablename__ = "categories"

    key: Mapped[str] = mapped_column(String(30), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(60))
    name_es: Mapped[str] = mapped_column(String(60))
    people_needed: Mapped[int] = mapped_column(Integer, default=1)
    synonyms: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SiteSetting(Base):
    """An admin's override of a default from the environment (e.g. retention_days)."""

    __tablename__ = "site_settings"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
