"""Response pods: the small group that forms around one need, its seats and thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from mutualaid.models.base import Base, utcnow

POD_FORMING = "forming"
POD_ACTIVE = "active"
POD_RESOLVED = "resolved"
POD_DISSOLVED = "dissolved"
POD_STATUSES = (POD_FORMING, POD_ACTIVE, POD_RESOLVED, POD_DISSOLVED)

MEMBER_REQUESTER = "requester"
MEMBER_HELPER = "helper"

INVITED = "invited"
ACCEPTED = "accepted"
DECLINED = "declined"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"  # invitation withdrawn because the pod filled or closed
LEFT = "left"
REMOVED = "removed"
MEMBERSHIP_STATUSES = (INVITED, ACCEPTED, DECLINED, EXPIRED, WITHDRAWN, LEFT, REMOVED)


class Pod(Base):
    __tablename__ = "pods"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id"), unique=True)
    code: Mapped[str] = mapped_column(String(4), index=True)
    seats: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(10), default=POD_FORMING)
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    formed_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    last_round_at: Mapped[datetime | None]  # last invitation round (retries are spaced)
    checkin_sent_at: Mapped[datetime | None]  # "still need help?" asked
    close_reason: Mapped[str] = mapped_column(Text, default="")

    need = relationship("Need")
    lead = relationship("Person")
    memberships = relationship("Membership", back_populates="pod", cascade="all, delete-orphan")


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("pod_id", "person_id"),
        Index("ix_memberships_person_status", "person_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[str] = mapped_column(String(10), default=MEMBER_HELPER)
    status: Mapped[str] = mapped_column(String(10), default=INVITED)
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)
    invite_expires_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    note: Mapped[str] = mapped_column(Text, default="")
    # Why they were asked: the matcher's Reason.as_dict() values, or plain sentences.
    reasons: Mapped[list[dict[str, Any] | str]] = mapped_column(JSON, default=list)

    pod = relationship("Pod", back_populates="memberships")
    person = relationship("Person")


class PodMessage(Base):
    __tablename__ = "pod_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    channel: Mapped[str] = mapped_column(String(6), default="web")  # web | sms | system
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author = relationship("Person")


class ChecklistItem(Base):
    """A small shared to-do in a pod ("buy milk", "pick up keys")."""

    __tablename__ = "pod_checklist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None]


FEEDBACK_GOOD = "good"
FEEDBACK_PROBLEM = "problem"


class PodFeedback(Base):
    """One-tap feedback after a pod closes: went well, or there was a problem."""

    __tablename__ = "pod_feedback"
    __table_args__ = (UniqueConstraint("pod_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    rating: Mapped[str] = mapped_column(String(10))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
