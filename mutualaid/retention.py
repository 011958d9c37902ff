"""Data retention: once a need has been closed for the retention period (the admin's
setting, mutualaid.admin_settings.retention_days, else ``RETENTION_DAYS``), erase what is
personal about it — the exact address and coordinates (the public grid cell stays for the
metrics), the details, the pod's thread and checklist, and the bodies of the texts about
it. Timestamps, categories and statuses stay, so the metrics still add up.

Idempotent: a need that is already erased is not selected again.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.models import ChecklistItem, Need, Pod, PodMessage, SmsMessage, utcnow
from mutualaid.models.needs import STATUS_CANCELLED, STATUS_EXPIRED, STATUS_RESOLVED

ERASED = "[erased]"
CLOSED = (STATUS_RESOLVED, STATUS_CANCELLED, STATUS_EXPIRED)


def purge_closed_needs(
    session: Session, *, days: int, now: datetime | None = None, limit: int = 500
) -> int:
    """Erase the personal data of needs closed more than ``days`` ago; returns how many."""
    if days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=days)
    needs = session.scalars(
        select(Need)
        .where(
            Need.status.in_(CLOSED),
            Need.updated_at <= cutoff,
            or_(Need.lat.is_not(None), Need.address_text != "", Need.details != ""),
        )
        .order_by(Need.id)
        .limit(limit)
    ).all()
    for need in needs:
        need.address_text = ""
        need.lat = need.lng = None
        need.details = ""
        pod_ids = select(Pod.id).where(Pod.need_id == need.id)
        session.execute(
            update(PodMessage)
            .where(PodMessage.pod_id.in_(pod_ids))
            .values(body=ERASED)
            .execution_options(synchronize_session=False)
        )
        session.execute(delete(ChecklistItem).where(ChecklistItem.pod_id.in_(pod_ids)))
        session.execute(
            update(SmsMessage)
            .where(or_(SmsMessage.need_id == need.id, SmsMessage.pod_id.in_(pod_ids)))
            .values(body=ERASED)
            .execution_options(synchronize_session=False)
        )
    if needs:
        record_audit(
            session, None, "retention.purged", None, {"needs": [n.id for n in needs], "days": days}
        )
    session.flush()
    return len(needs)
