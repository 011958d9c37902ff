"""The audit log: one row per sensitive action (role change, address revealed, merge...)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from mutualaid.models import AuditEvent, Person


def record_audit(
    session: Session,
    actor: Person | None,
    action: str,
    target: object | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor else None,
        action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None),
        details=details or {},
    )
    session.add(event)
    session.flush()
    return event
