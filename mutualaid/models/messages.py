"""SMS messages (inbound and the outbound outbox) and per-person SMS conversation state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
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

# What an outbound text is for; replies to a person's own text go ahead of bulk notices.
KIND_REPLY = "reply"
KIND_NOTICE = "notice"


class SmsMessage(Base):
    __tablename__ = "sms_messages"
    __table_args__ = (
        Index("ix_sms_messages_status_next", "status", "next_attempt_at"),
        Index("ix_sms_messages_to_created", "to_number", "created_at"),
        # The global daily budget counts outbound texts of the last 24 h (issue 16).
        Index("ix_sms_messages_direction_created", "direction", "created_at"),
        # Inbound texts the worker has not processed yet (few at any time): the sweep's and
        # the per-number ordering's lookups.
        Index(
            "ix_sms_messages_unprocessed",
            "from_number",
            "id",
            postgresql_where=text("direction = 'in' AND processed_at IS NULL"),
            sqlite_where=text("direction = 'in' AND processed_at IS NULL"),
        ),
    )

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
    # Transport (issue 6): what the text is for, the provider's own latest status word, when
    # the worker last claimed it (the reconcile window after a crash), and inbound media.
    kind: Mapped[str] = mapped_column(String(20), default=KIND_NOTICE)
    provider_status: Mapped[str] = mapped_column(String(20), default="")
    claimed_at: Mapped[datetime | None]
    num_media: Mapped[int] = mapped_column(Integer, default=0)
    # Inbound: when the worker applied the text (keywords, conversation layer, reply). Set in
    # the same transaction as the effect; NULL = stored by the webhook, not processed yet.
    processed_at: Mapped[datetime | None]


class SmsStatusEvent(Base):
    """Every signed status callback, kept as received. A callback for a sid the outbox has
    not recorded yet (it can beat the worker's commit) is applied when the sid is recorded."""

    __tablename__ = "sms_status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_sid: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[int | None]
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("sms_messages.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Conversation(Base):
    """A guided SMS follow-up in progress ("What do you need? Reply 1 groceries...")."""

    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(30))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    expires_at: Mapped[datetime]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
