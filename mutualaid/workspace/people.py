"""People for coordinators: search, a person's history, suspend, and merging duplicates.

``merge_people`` moves every row that points at the duplicate (any foreign key to
people.id, found from the metadata, so tables added later are covered too) onto the
survivor, resolves the few unique clashes (both in one pod, both gave feedback, a guided SMS
conversation each), fills the survivor's missing contact details and deletes the duplicate.
One audited function, one transaction: nothing of the history is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, delete, func, or_, select, update
from sqlalchemy.orm import Session

from mutualaid.audit import record_audit
from mutualaid.i18n import _
from mutualaid.models import (
    Base,
    Conversation,
    Membership,
    Need,
    Offer,
    Person,
    Pod,
    PodFeedback,
    PodMessage,
    SmsMessage,
    utcnow,
)
from mutualaid.models.places import area_coordinators
from mutualaid.models.pods import ACCEPTED, INVITED
from mutualaid.phones import mask_phone
from mutualaid.policy import people_filter, texts_filter

PAGE_SIZE = 50
# Memberships: when both records are in the same pod, keep the most engaged one.
_RANK = {ACCEPTED: 0, INVITED: 1}


class PeopleError(ValueError):
    """A people action that cannot happen; the message is safe to show."""


def search_people(
    session: Session, q: str, *, viewer: Person, page: int = 1
) -> tuple[list[Person], bool]:
    """By name, email, or the last 4+ digits of a phone (what a masked number shows), among
    the people ``viewer`` may see (mutualaid.policy)."""
    stmt = select(Person).where(people_filter(session, viewer)).order_by(Person.name, Person.id)
    q = (q or "").strip()
    if q:
        like = f"%{q.lower()}%"
        digits = "".join(ch for ch in q if ch.isdigit())
        conditions = [func.lower(Person.name).like(like), func.lower(Person.email).like(like)]
        if len(digits) >= 4:
            conditions.append(Person.phone.like(f"%{digits}"))
        stmt = stmt.where(or_(*conditions))
    rows = list(session.scalars(stmt.limit(PAGE_SIZE + 1).offset((max(page, 1) - 1) * PAGE_SIZE)))
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


@dataclass
class History:
    needs: list[Need]
    offers: list[Offer]
    memberships: list[Membership]
    messages: list[tuple[PodMessage, str, int | None]]  # (message, pod code, area id)
    texts: list = field(default_factory=list)


def history_of(
    session: Session, person: Person, *, viewer: Person | None = None, limit: int = 50
) -> History:
    """What the person did here; their texts only as far as ``viewer`` may read them
    (``policy.texts_filter``; all of them without a viewer)."""
    texts_query = select(SmsMessage).outerjoin(Person, Person.id == SmsMessage.person_id)
    if viewer is not None:
        texts_query = texts_query.where(texts_filter(session, viewer))
    texts = list(
        session.scalars(
            texts_query.where(SmsMessage.person_id == person.id)
            .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc())
            .limit(limit)
        )
    )
    return History(
        needs=list(
            session.scalars(
                select(Need).where(Need.requester_id == person.id).order_by(Need.id.desc())
            )
        ),
        offers=list(
            session.scalars(
                select(Offer).where(Offer.helper_id == person.id).order_by(Offer.id.desc())
            )
        ),
        memberships=list(
            session.scalars(
                select(Membership)
                .where(Membership.person_id == person.id)
                .order_by(Membership.invited_at.desc())
            )
        ),
        messages=list(
            session.execute(
                select(PodMessage, Pod.code, Need.area_id)
                .join(Pod, Pod.id == PodMessage.pod_id)
                .join(Need, Need.id == Pod.need_id)
                .where(PodMessage.author_id == person.id)
                .order_by(PodMessage.created_at.desc())
                .limit(limit)
            )
        ),
        texts=texts,
    )


def set_suspended(
    session: Session,
    person: Person,
    actor: Person,
    suspended: bool,
    reason: str = "",
    *,
    now: datetime | None = None,
) -> None:
    """Suspend (cannot log in, is not invited) or restore a person; audited."""
    if person.id == actor.id:
        raise PeopleError(_("You cannot suspend yourself."))
    if person.is_coordinator and not actor.is_admin:
        raise PeopleError(_("Only an admin can suspend a coordinator."))
    if suspended and not reason.strip():
        raise PeopleError(_("Say why the person is being suspended."))
    person.suspended_at = (now or utcnow()) if suspended else None
    if suspended:
        person.paused_at = person.paused_at or now or utcnow()
    record_audit(
        session,
        actor,
        "person.suspended" if suspended else "person.restored",
        person,
        {"reason": reason.strip()},
    )
    session.flush()


def _person_fk_columns() -> list[tuple[Table, str]]:
    """Every (table, column) with a foreign key to people.id, from the metadata."""
    out = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if any(fk.column.table.name == "people" for fk in column.foreign_keys):
                out.append((table, column.name))
    return out


@dataclass
class MergePreview:
    survivor: Person
    duplicate: Person
    moves: dict[str, int]  # "table.column" -> rows that will point at the survivor
    fills: dict[str, str]  # survivor fields filled from the duplicate (masked for display)
    clashes: list[str]  # what is combined because both records had one

    @property
    def total(self) -> int:
        return sum(self.moves.values())


def _check(survivor: Person, duplicate: Person, actor: Person) -> None:
    if survivor.id == duplicate.id:
        raise PeopleError(_("Choose two different people to merge."))
    if (survivor.is_coordinator or duplicate.is_coordinator) and not actor.is_admin:
        raise PeopleError(_("Only an admin can merge staff accounts."))
    if (survivor.password_hash or duplicate.password_hash) and not actor.is_admin:
        # Merging a record that can log in would hand its login to the other person's
        # needs and addresses: the person joins them by proving their phone number on their
        # account (mutualaid.sms.identity), or an admin does it.
        raise PeopleError(
            _(
                "One of these records can log in on the website. The person joins them by "
                "verifying their phone number on their account; otherwise ask an admin."
            )
        )


_FILL = ("email", "phone", "phone_verified_at", "address_text")
# How someone logs in: moved only when the person proved both records (their phone, on
# their account) or an admin merges, never by a coordinator's merge.
_CREDENTIALS = ("password_hash",)


def _fills(actor: Person | None, via: str) -> tuple[str, ...]:
    trusted = via != "coordinator" or (actor is not None and actor.is_admin)
    return _FILL + _CREDENTIALS if trusted else _FILL


def merge_preview(
    session: Session, survivor: Person, duplicate: Person, actor: Person
) -> MergePreview:
    _check(survivor, duplicate, actor)
    moves: dict[str, int] = {}
    for table, col in _person_fk_columns():
        n = session.scalar(
            select(func.count()).select_from(table).where(table.c[col] == duplicate.id)
        )
        if n:
            moves[f"{table.name}.{col}"] = n
    fills = {}
    for name in _fills(actor, "coordinator"):
        if getattr(survivor, name) in (None, "") and getattr(duplicate, name) not in (None, ""):
            value = getattr(duplicate, name)
            if name == "phone":
                value = mask_phone(value)
            elif name == "password_hash":
                value = _("web login")
            fills[name] = str(value)
    clashes = []
    shared_pods = session.scalar(
        select(func.count())
        .select_from(Membership)
        .where(
            Membership.person_id == duplicate.id,
            Membership.pod_id.in_(
                select(Membership.pod_id).where(Membership.person_id == survivor.id)
            ),
        )
    )
    if shared_pods:
        clashes.append(
            _("%(n)s pod(s) with both records; the most engaged seat is kept.", n=shared_pods)
        )
    return MergePreview(survivor, duplicate, moves, fills, clashes)


def merge_people(
    session: Session, survivor: Person, duplicate: Person, actor: Person
) -> MergePreview:
    """Fold ``duplicate`` into ``survivor``; returns what was moved. Audited."""
    preview = merge_preview(session, survivor, duplicate, actor)
    fold_person(session, survivor, duplicate, actor, preview)
    return preview


def fold_person(
    session: Session,
    survivor: Person,
    duplicate: Person,
    actor: Person | None,
    preview: MergePreview | None = None,
    via: str = "coordinator",
) -> None:
    """The merge itself, without the staff checks: every row that points at ``duplicate``
    points at ``survivor`` afterwards (found from the schema, so new tables are covered),
    unique clashes resolved first, contact details filled in, then the duplicate deleted.
    Also used when a phone-only texter verifies their number on a web account."""
    if preview is None:
        preview = MergePreview(survivor, duplicate, {}, {}, [])
    sid, did = survivor.id, duplicate.id
    duplicate_name = duplicate.name
    # Unique clashes first.
    for mine in list(session.scalars(select(Membership).where(Membership.person_id == did))):
        theirs = session.scalar(
            select(Membership).where(Membership.person_id == sid, Membership.pod_id == mine.pod_id)
        )
        if theirs is None:
            continue
        # Keep the more engaged seat (accepted > invited > the rest); ties keep the survivor's.
        if _RANK.get(mine.status, 9) < _RANK.get(theirs.status, 9):
            if mine.role != theirs.role and theirs.role == "requester":
                mine.role = theirs.role
            session.delete(theirs)
        else:
            session.delete(mine)
        session.flush()
    survivor_feedback = select(PodFeedback.pod_id).where(PodFeedback.person_id == sid)
    session.execute(
        delete(PodFeedback).where(
            PodFeedback.person_id == did, PodFeedback.pod_id.in_(survivor_feedback)
        )
    )
    if session.scalar(select(Conversation.id).where(Conversation.person_id == sid)):
        session.execute(delete(Conversation).where(Conversation.person_id == did))
    their_areas = select(area_coordinators.c.area_id).where(area_coordinators.c.person_id == sid)
    session.execute(
        delete(area_coordinators).where(
            area_coordinators.c.person_id == did, area_coordinators.c.area_id.in_(their_areas)
        )
    )
    # Contact details: unique columns move only after the duplicate lets go of them.
    fills = {name: getattr(duplicate, name) for name in _fills(actor, via)}
    session.execute(update(Person).where(Person.id == did).values(email=None, phone=None))
    session.flush()
    for name, value in fills.items():
        if getattr(survivor, name) in (None, "") and value not in (None, ""):
            setattr(survivor, name, value)
    if survivor.lat is None and duplicate.lat is not None:
        for name in ("lat", "lng", "public_lat", "public_lng", "location_status"):
            setattr(survivor, name, getattr(duplicate, name))
    if survivor.sms_consent == "none" and duplicate.sms_consent != "none":
        survivor.sms_consent = duplicate.sms_consent
        survivor.sms_consent_at = duplicate.sms_consent_at
        survivor.sms_opted_out_at = duplicate.sms_opted_out_at
    if survivor.sms_preference == "none" and duplicate.sms_preference != "none":
        survivor.sms_preference = "notify"
    if duplicate.notes:
        survivor.notes = (survivor.notes + "\n" + duplicate.notes).strip()
    survivor.created_at = min(survivor.created_at, duplicate.created_at)
    session.flush()
    for table, col in _person_fk_columns():
        session.execute(update(table).where(table.c[col] == did).values({col: sid}))
    session.execute(update(Pod).where(Pod.lead_id == did).values(lead_id=sid))
    session.expire_all()
    session.execute(delete(Person).where(Person.id == did))
    record_audit(
        session,
        actor,
        "person.merged",
        survivor,
        {
            "duplicate_id": did,
            "duplicate_name": duplicate_name,
            "moved": preview.moves,
            "filled": sorted(preview.fills),
            "via": via,
        },
    )
    session.flush()
