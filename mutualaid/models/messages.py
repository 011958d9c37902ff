"""SMS messages (inbound and the outbound outbox) and per-person SMS conversation state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mutualaid.models.base import Base, utcnow

INBOUND = "in"
OUTBOUND = "out"

# Outbound lifecycle; status callbacks only ever move a message forward.
SMS_QUEUED = "queued"
SMS_SENDING = "sending"
SMS_SENT = "sent"
SMS_DELIVERED = "delivered"
SMS_UNDELIVERED = "undelivered"
SMS_FAILED = "failed"
SMS_CANCELLED = "cancelled"
SMS_RECEIVED = "received"  # inbound


class SmsMessage(Base):
    __tablename__ = "sms_messages"
    __table_args__ = (Index("ix_sms_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))
    provider_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    from_number: Mapped[str] = mapped_column(String(20))
    to_number: Mapped[str] = mapped_column(String(20), index=True)
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=SMS_QUEUED)
    error_code: Mapped[int | None]
    error_message: Mapped[str] = mapped_column(Text, default="")
    segments: Mapped[int] = mapped_column(Integer, default=1)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    priority: Mapped[int] = mapped_column(Integer, default=0)  # higher goes first
    next_attempt_at: Mapped[datetime | None]
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id"))
    pod_id: Mapped[int | None] = mapped_column(ForeignKey("pods.id"))
    handled_at: Mapped[datetime | None]  # inbound texts the coordinators dealt with
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]


class Conversation(Base):
    """A guided SMS follow-up in progress ("What do you need? Reply 1 groceries...")."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
