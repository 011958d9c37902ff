"""What admins change at run time: the categories of needs and offers, and the retention
period. Plain functions (take a session, flush, never commit); every change is audited.

Categories: the ``categories`` table (seeded from config/categories.toml by migration 0011
and by ``flask demo``). Keys never change (they are stored on needs and offers); names,
default pod size and synonyms can; a category is deactivated, never deleted.

Retention: ``retention_days`` in ``site_settings`` overrides the ``RETENTION_DAYS``
environment default; the daily purge (mutualaid.jobs.purge_old_personal_data) reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mutualaid import categories
from mutualaid.audit import record_audit
from mutualaid.i18n import _l
from mutualaid.models import CategoryRow, Person, SiteSetting

KEY_RE = re.compile(r"[a-z_]{2,30}")
RETENTION_KEY = "retention_days"
MAX_RETENTION_DAYS = 3650


class AdminSettingError(ValueError):
    def __init__(self, message: object, field: str = ""):
        super().__init__(str(message))
        self.field = field


@dataclass
class CategoryInput:
    key: str
    name_en: str
    name_es: str
    people_needed: int = 1
    synonyms: tuple[str, ...] = ()


def parse_synonyms(text: str) -> tuple[str, ...]:
    """Comma-separated words, trimmed, duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for word in (text or "").split(","):
        word = " ".join(word.split())
        if word:
            seen.setdefault(word, None)
    return tuple(seen)


def seed_categories(session: Session) -> int:
    """Copy config/categories.toml into the table for keys it does not have yet."""
    have = set(session.scalars(select(CategoryRow.key)))
    added = 0
    for position, cat in enumerate(categories.seed_categories()):
        if cat.key in have:
            continue
        session.add(
            CategoryRow(
                key=cat.key,
                name_en=cat.en,
                name_es=cat.es,
                people_needed=cat.people_needed,
                synonyms=list(cat.synonyms),
                active=True,
                position=position,
            )
        )
        added += 1
    session.flush()
    categories.forget_cached()
    return added


def category_rows(session: Session) -> list[CategoryRow]:
    stmt = select(CategoryRow).order_by(CategoryRow.position, CategoryRow.key)
    return list(session.scalars(stmt))


def _check(data: CategoryInput) -> None:
    for field in ("name_en", "name_es"):
        value = " ".join(getattr(data, field).split())
        if not value:
            raise AdminSettingError(_l("Enter a name."), field)
        if len(value) > 60:
            raise AdminSettingError(_l("Keep the name under 60 characters."), field)
        setattr(data, field, value)
    if not categories.MIN_PEOPLE <= data.people_needed <= categories.MAX_PEOPLE:
        raise AdminSettingError(_l("People needed must be between 1 and 15."), "people_needed")
    if sum(len(s) for s in data.synonyms) > 1000:
        raise AdminSettingError(_l("Keep the other words under 1000 characters."), "synonyms")


def add_category(session: Session, actor: Person, data: CategoryInput) -> CategoryRow:
    if not KEY_RE.fullmatch(data.key or ""):
        raise AdminSettingError(
            _l("Use 2 to 30 lowercase letters or underscores, like bike_repair."), "key"
        )
    if session.get(CategoryRow, data.key) is not None:
        raise AdminSettingError(_l("There is already a category with this key."), "key")
    _check(data)
    position = (session.scalar(select(func.max(CategoryRow.position))) or 0) + 1
    row = CategoryRow(
        key=data.key,
        name_en=data.name_en,
        name_es=data.name_es,
        people_needed=data.people_needed,
        synonyms=list(data.synonyms),
        active=True,
        position=position,
    )
    session.add(row)
    session.flush()
    record_audit(session, actor, "admin.category_added", None, {"key": row.key, **_names(row)})
    categories.forget_cached()
    return row


def update_category(
    session: Session, actor: Person, row: CategoryRow, data: CategoryInput
) -> CategoryRow:
    """Rename, change the default pod size or the other words (the key stays)."""
    _check(data)
    before = {**_names(row), "people_needed": row.people_needed, "synonyms": row.synonyms}
    row.name_en, row.name_es = data.name_en, data.name_es
    row.people_needed = data.people_needed
    row.synonyms = list(data.synonyms)
    after = {**_names(row), "people_needed": row.people_needed, "synonyms": row.synonyms}
    session.flush()
    if before != after:
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        record_audit(session, actor, "admin.category_changed", None, {"key": row.key, **changed})
    categories.forget_cached()
    return row


def set_category_active(
    session: Session, actor: Person, row: CategoryRow, active: bool
) -> CategoryRow:
    """Deactivated: no longer offered for new needs and offers; old ones keep it."""
    if row.active == active:
        return row
    if (
        not active
        and session.execute(
            select(func.count()).select_from(CategoryRow).where(CategoryRow.active.is_(True))
        ).scalar_one()
        <= 1
    ):
        raise AdminSettingError(_l("At least one category must stay active."), "active")
    row.active = active
    session.flush()
    action = "admin.category_activated" if active else "admin.category_deactivated"
    record_audit(session, actor, action, None, {"key": row.key})
    categories.forget_cached()
    return row


def _names(row: CategoryRow) -> dict[str, str]:
    return {"name_en": row.name_en, "name_es": row.name_es}


def retention_override(session: Session) -> int | None:
    """The admin's retention period in days, or None when the default applies."""
    value = session.scalar(select(SiteSetting.value).where(SiteSetting.key == RETENTION_KEY))
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def retention_days(session: Session, default: int) -> int:
    """Days a closed need keeps its address, details and texts (0: never purged)."""
    override = retention_override(session)
    return default if override is None else override


def set_retention_days(session: Session, actor: Person, days: int | None, default: int) -> None:
    """Set the period (None: back to the ``RETENTION_DAYS`` default)."""
    if days is not None and not 0 <= days <= MAX_RETENTION_DAYS:
        raise AdminSettingError(_l("Enter a number of days from 0 to 3650."), "days")
    before = retention_days(session, default)
    row = session.get(SiteSetting, RETENTION_KEY)
    if days is None:
        if row is not None:
            session.delete(row)
    elif row is None:
        session.add(SiteSetting(key=RETENTION_KEY, value=str(days), updated_by_id=actor.id))
    else:
        row.value, row.updated_by_id = str(days), actor.id
    session.flush()
    after = retention_days(session, default)
    if after != before or days is None:
        record_audit(
            session,
            actor,
            "admin.retention_changed",
            None,
            {"before": before, "after": after, "default": days is None},
        )
