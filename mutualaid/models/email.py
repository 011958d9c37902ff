"""Email (issue 19): the outbound email outbox, one-time account tokens (verify an
address, reset a password, change the address), per-kind notice preferences, and the
thread-digest bookmark per person and group."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mutualaid.models.base import Base, utcnow

# Outbound lifecycle (the same words as texts; an SMTP server's 250 is "sent", and there are
# no delivery receipts).
EMAIL_QUEUED = "queued"
EMAIL_SENDING = "sending"
EMAIL_SENT = "sent"
EMAIL_FAILED = "failed"
EMAIL_CANCELLED = "cancelled"
EMAIL_STATUSES = (EMAIL_QUEUED, EMAIL_SENDING, EMAIL_SENT, EMAIL_FAILED, EMAIL_CANCELLED)

# What an account token is for.
PURPOSE_VERIFY = "verify"  # prove a new account's address
PURPOSE_RESET = "reset"  # forgot password
PURPOSE_EMAIL_CHANGE = "email_change"  # prove a new address before it replaces the old one

# Notice categories a person chooses a channel for, and the channels.
CATEGORY_INVITATIONS = "invitations"
CATEGORY_GROUP = "group"  # group updates: joined, complete, done, cancelled, closed
CATEGORY_THREAD = "thread"  # thread messages (by email: a digest)
CATEGORY_CHECKINS = "checkins"  # "still need help?", "still available?"
CATEGORIES = (CATEGORY_INVITATIONS, CATEGORY_GROUP, CATEGORY_THREAD, CATEGORY_CHECKINS)
CHANNEL_TEXT = "text"
CHANNEL_EMAIL = "email"
CHANNEL_BOTH = "both"
CHANNEL_NONE = "none"
CHANNELS = (CHANNEL_BOTH, CHANNEL_EMAIL, CHANNEL_TEXT, CHANNEL_NONE)


class OutboundEmail(Base):
    """One email, written in the transaction of the change that caused it; the worker sends
    it after commit. ``message_id`` is fixed when the row is written: a resend after a crash
    carries the same Message-ID."""

    __tablename__ = "email_messages"
    __table_args__ = (Index("ix_email_messages_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(40))
    category: Mapped[str] = mapped_column(String(20), default="")
    message_id: Mapped[str] = mapped_column(String(255), unique=True)
    unsubscribe_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(12), default=EMAIL_QUEUED)
    priority: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_at: Mapped[datetime | None]
    error_code: Mapped[int | None]
    error_message: Mapped[str] = mapped_column(Text, default="")
    pod_id: Mapped[int | None] = mapped_column(ForeignKey("pods.id", ondelete="SET NULL"))
    need_id: Mapped[int | None] = mapped_column(ForeignKey("needs.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None]


class AccountToken(Base):
    """A one-time link sent by email. Only a hash of the secret is stored; ``email`` is the
    address it was sent to (for an address change: the new address)."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    email: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class NoticePreference(Base):
    """How a person wants one category of notices: text, email, both or none. No row means
    "both" (each channel only if the person can get it)."""

    __tablename__ = "notice_preferences"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(20), primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))


class EmailDigest(Base):
    """The last thread message of a group already sent to a person in a digest."""

    __tablename__ = "email_digests"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id", ondelete="CASCADE"), primary_key=True)
    last_message_id: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None]
