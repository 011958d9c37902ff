"""The obvious coordinator queue (load every need, filter and sort in Python, one query per
row for its pod): the benchmark's baseline and the tests' oracle for
``mutualaid.workspace.queue.queue_page``. Not shipped in the app."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mutualaid.models import Membership, Need, Person, Pod, utcnow
from mutualaid.models.pods import INVITED
from mutualaid.policy import coordinates_area
from mutualaid.workspace.queue import QueueFilters


def naive_queue_page(
    session: Session,
    viewer: Person,
    filters: QueueFilters | None = None,
    *,
    page: int = 1,
    per_page: int = 50,
    now: datetime | None = None,
) -> list[Need]:
    """The obvious version (load everything, sort in Python, count per row)."""
    now = now or utcnow()
    filters = filters or QueueFilters()
    needs = [
        n
        for n in session.scalars(select(Need))
        if coordinates_area(viewer, n.area_id)
        and (n.status == filters.status if filters.status else n.is_active)
        and (filters.area_id is None or n.area_id == filters.area_id)
        and (not filters.category or n.category == filters.category)
    ]
    needs.sort(key=lambda n: (0 if n.unmatched_reason else 1, n.created_at, n.id))
    chosen = needs[(page - 1) * per_page : page * per_page]
    for need in chosen:  # what the page shows per row
        pod = session.scalar(select(Pod).where(Pod.need_id == need.id))
        if pod is not None:
            session.scalar(
                select(func.count())
                .select_from(Membership)
                .where(Membership.pod_id == pod.id, Membership.status == INVITED)
            )
    return chosen
