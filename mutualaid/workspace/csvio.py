"""CSV export (needs, offers, pods, people) and idempotent CSV import (needs, offers, people).

Export streams rows (``yield_per``) and writes exact addresses, coordinates and contact
details only for rows in areas the viewer coordinates; other rows carry the snapped point.

Needs and offers are keyed by an ``external_id`` column: a row whose id is already stored
updates that need/offer when something changed and is otherwise left alone (a closed need or
a deleted offer is left alone too), so re-importing a file changes nothing. People are keyed
by email and phone (mutualaid.workspace.csv_people). Each row runs in its own savepoint; a
bad row is reported with its line number and never spoils the others. Locations are
resolved by a ``locate`` callable the caller provides (the web/CLI edge owns the geocoder).

Imports are scoped like every workspace action (mutualaid.policy; admins do anything): an
existing need is only changed by a coordinator of its area, an existing offer only when its
point lies in one of the importer's areas or in none (or its helper is one of their people); a
need is never placed or moved into an area the importer does not coordinate. A requester or
helper found by email or phone is used only if the importer may see their full contact
(``exact_people_filter``); otherwise the row fails with words that do not say whether the
person exists (``csv_common.not_yours``), and nobody new is created with their contact.
Every text cell of an export is written so a spreadsheet shows it, never evaluates it
(``csv_common.safe_cell``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import overload

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid import categories
from mutualaid.accounts import AccountError, NewAccount, create_person, find_by_email, find_by_phone
from mutualaid.audit import record_audit
from mutualaid.i18n import _
from mutualaid.locations import Location, area_for
from mutualaid.models import Area, Need, Offer, Person, Pod
from mutualaid.models.offers import OFFER_DELETED
from mutualaid.need_records import NeedError, NeedInput
from mutualaid.needs import edit_need, post_need
from mutualaid.offers import (
    DEFAULT_RADIUS_KM,
    MIN_CAPACITY,
    OfferError,
    OfferInput,
    edit_offer,
    post_offer,
)
from mutualaid.phones import mask_phone
from mutualaid.policy import (
    area_ids,
    coordinates_area,
    exact_people_filter,
    sees_exact,
    sees_offer_exact,
)
from mutualaid.workspace.csv_common import (
    ImportReport,
    Locate,
    LocateError,
    RowError,
    checked_contact,
    csv_line,
    iso,
    not_yours,
)
from mutualaid.workspace.csv_people import export_people, import_person, people_key

# --- export ---------------------------------------------------------------------------


NEED_COLUMNS = [
    "id", "code", "external_id", "area", "category", "urgency", "status", "people_needed",
    "created_at", "first_invited_at", "pod_formed_at", "resolved_at", "unmatched_reason",
    "public_lat", "public_lng", "exact", "lat", "lng", "address", "requester",
    "requester_phone", "requester_email",
]  # fmt: skip


def export_needs(session: Session, viewer: Person) -> Iterator[str]:
    yield csv_line(NEED_COLUMNS)
    areas: dict[int | None, str] = {a.id: a.name for a in session.scalars(select(Area))}
    stmt = select(Need, Person).join(Person, Person.id == Need.requester_id).order_by(Need.id)
    for need, person in session.execute(stmt.execution_options(yield_per=500)):
        exact = sees_exact(viewer, need.area_id)
        yield csv_line(
            [
                need.id, need.code, need.external_id, areas.get(need.area_id, ""),
                need.category, need.urgency, need.status, need.people_needed,
                need.created_at.isoformat(), iso(need.first_invited_at),
                iso(need.pod_formed_at), iso(need.resolved_at), need.unmatched_reason,
                need.public_lat, need.public_lng, "yes" if exact else "no",
                need.lat if exact else "", need.lng if exact else "",
                need.address_text if exact else "", person.name,
                person.phone if exact else mask_phone(person.phone), person.email if exact else "",
            ]
        )  # fmt: skip


OFFER_COLUMNS = [
    "id", "external_id", "helper", "categories", "status", "radius_km", "capacity",
    "created_at", "last_confirmed_at", "public_lat", "public_lng", "exact", "lat", "lng",
    "address", "helper_phone", "helper_email",
]  # fmt: skip


def export_offers(session: Session, viewer: Person) -> Iterator[str]:
    yield csv_line(OFFER_COLUMNS)
    ids = area_ids(viewer)
    own = None if ids is None else list(session.scalars(select(Area).where(Area.id.in_(ids))))
    stmt = select(Offer, Person).join(Person, Person.id == Offer.helper_id).order_by(Offer.id)
    for offer, person in session.execute(stmt.execution_options(yield_per=500)):
        exact = sees_offer_exact(own, offer)
        yield csv_line(
            [
                offer.id, offer.external_id, person.name, ";".join(offer.categories),
                offer.status, offer.radius_km, offer.capacity, offer.created_at.isoformat(),
                iso(offer.last_confirmed_at), offer.public_lat, offer.public_lng,
                "yes" if exact else "no", offer.lat if exact else "",
                offer.lng if exact else "", offer.address_text if exact else "",
                person.phone if exact else mask_phone(person.phone),
                person.email if exact else "",
            ]
        )  # fmt: skip


POD_COLUMNS = [
    "id", "code", "need_id", "area", "category", "status", "seats", "seats_taken",
    "created_at", "formed_at", "closed_at", "close_reason",
]  # fmt: skip


def export_pods(session: Session, viewer: Person) -> Iterator[str]:
    yield csv_line(POD_COLUMNS)
    areas: dict[int | None, str] = {a.id: a.name for a in session.scalars(select(Area))}
    stmt = select(Pod, Need).join(Need, Need.id == Pod.need_id).order_by(Pod.id)
    for pod, need in session.execute(stmt.execution_options(yield_per=500)):
        yield csv_line(
            [
                pod.id, pod.code, need.id, areas.get(need.area_id, ""), need.category,
                pod.status, pod.seats, pod.seats_taken, pod.created_at.isoformat(),
                iso(pod.formed_at), iso(pod.closed_at), pod.close_reason,
            ]
        )  # fmt: skip


EXPORTS = {
    "needs": export_needs,
    "offers": export_offers,
    "pods": export_pods,
    "people": export_people,
}
IMPORT_KINDS = ("needs", "offers", "people")


# --- import ---------------------------------------------------------------------------


def _sees_exactly(session: Session, actor: Person, person: Person) -> bool:
    """May ``actor`` read ``person``'s full phone and email (policy.exact_people_filter)?
    Only then may an import row name them: the exports would show them in full after."""
    if actor.is_admin:
        return True
    stmt = select(Person.id).where(Person.id == person.id, exact_people_filter(session, actor))
    return session.scalar(stmt) is not None


def _person(session: Session, passwords, row: dict[str, str], actor: Person) -> Person:
    """The requester/helper a row names: a known person the actor may see exactly, or a new
    one. Anyone else is a row error that does not say whether they exist, and no second
    person is created with their email or phone."""
    email, phone = checked_contact(row)
    found = [
        p
        for p in (
            find_by_email(session, email) if email else None,
            find_by_phone(session, phone) if phone else None,
        )
        if p is not None
    ]
    if any(not _sees_exactly(session, actor, p) for p in found):
        raise not_yours()
    if found:
        return found[0]
    try:
        return create_person(
            session,
            passwords,
            NewAccount(name=row.get("name", ""), email=email, password=None, phone=phone),
        )
    except AccountError as exc:
        raise RowError(str(exc)) from None


def _in_scope(
    session: Session, actor: Person, location: Location | None, area_id: int | None
) -> None:
    """A need may only be placed (created or moved) in an area the actor coordinates;
    ``area_id`` is where it is now (a location not found yet leaves it there)."""
    if location is not None and location.lat is not None and location.lng is not None:
        area = area_for(session, location.lat, location.lng)
        area_id = area.id if area else None
    if not coordinates_area(actor, area_id):
        raise RowError(_("This location is outside the areas you coordinate."))


def _other_area(row: dict[str, str]) -> RowError:
    return RowError(_("external_id “%(id)s” belongs to another area.", id=row["external_id"]))


@overload
def _int(row: dict[str, str], key: str, default: int) -> int: ...
@overload
def _int(row: dict[str, str], key: str, default: None) -> int | None: ...
def _int(row: dict[str, str], key: str, default: int | None) -> int | None:
    if not row.get(key):
        return default
    try:
        return int(row[key])
    except ValueError:
        raise RowError(_("%(col)s must be a whole number.", col=key)) from None


def _import_need(session, passwords, locate: Locate, row, actor: Person) -> str:
    category = categories.resolve(row.get("category", ""), include_inactive=True) or row.get(
        "category", ""
    )
    data = NeedInput(
        category=category,
        urgency=row.get("urgency") or "today",
        people_needed=_int(row, "people_needed", None),
        details=row.get("details", ""),
        contact_preference=row.get("contact_preference") or "web",
    )
    existing = session.scalar(select(Need).where(Need.external_id == row["external_id"]))
    if existing is not None:
        if not coordinates_area(actor, existing.area_id):
            raise _other_area(row)
        same = (
            existing.category == data.category
            and existing.urgency == data.urgency
            and (data.people_needed is None or existing.people_needed == data.people_needed)
            and existing.details == data.details.strip()
            and existing.address_text == row["location"]
        )
        if same or not existing.is_active:
            return "unchanged"
        location = None if existing.address_text == row["location"] else locate(row["location"])
        _in_scope(session, actor, location, existing.area_id)
        edit_need(session, existing, data, location)
        return "updated"
    person = _person(session, passwords, row, actor)
    location = locate(row["location"])
    _in_scope(session, actor, location, None)
    need = post_need(session, person, data, location)
    need.external_id = row["external_id"]
    session.flush()
    return "created"


def _sees_offer(session: Session, actor: Person, offer: Offer) -> bool:
    """The actor may change an offer whose point lies in one of their areas, or in no area
    at all (like a need outside every area), or whose helper they may see exactly (admins:
    every offer). An offer not placed yet is its helper's coordinators' only."""
    ids = area_ids(actor)
    if ids is None:
        return True
    if not actor.is_coordinator:
        return False
    own = list(session.scalars(select(Area).where(Area.id.in_(ids)))) if ids else []
    if sees_offer_exact(own, offer):
        return True
    lat, lng = offer.lat, offer.lng
    if lat is not None and lng is not None and area_for(session, lat, lng) is None:
        return True
    helper = session.get(Person, offer.helper_id)
    return helper is not None and _sees_exactly(session, actor, helper)


def _import_offer(session, passwords, locate: Locate, row, actor: Person) -> str:
    cats = []
    for word in row.get("categories", "").replace(",", ";").split(";"):
        if word.strip():
            key = categories.resolve(word, include_inactive=True)
            if key is None:
                raise RowError(_("Unknown category “%(c)s”.", c=word.strip()))
            cats.append(key)
    try:
        radius = float(row["radius_km"]) if row.get("radius_km") else DEFAULT_RADIUS_KM
    except ValueError:
        raise RowError(_("radius_km must be a number.")) from None
    capacity = _int(row, "capacity", MIN_CAPACITY)  # the limits: offers' own rules
    data = OfferInput(
        categories=sorted(set(cats)),
        radius_km=radius,
        capacity=capacity,
        notes=row.get("notes", ""),
    )
    existing = session.scalar(select(Offer).where(Offer.external_id == row["external_id"]))
    if existing is not None:
        if not _sees_offer(session, actor, existing):
            raise _other_area(row)
        same = (
            existing.categories == data.categories
            and existing.radius_km == data.radius_km
            and existing.capacity == data.capacity
            and existing.notes == data.notes.strip()
            and existing.address_text == row["location"]
        )
        if same or existing.status == OFFER_DELETED:
            return "unchanged"
        location = None if existing.address_text == row["location"] else locate(row["location"])
        edit_offer(session, existing, data, location)
        return "updated"
    person = _person(session, passwords, row, actor)
    offer = post_offer(session, person, data, locate(row["location"]))
    offer.external_id = row["external_id"]
    session.flush()
    return "created"


def import_rows(
    session: Session,
    actor: Person,
    kind: str,
    rows: list[tuple[int, dict[str, str]]],
    *,
    passwords,
    locate: Locate,
    progress: Callable[[ImportReport], None] | None = None,
) -> ImportReport:
    """Import ``rows`` (from read_rows) as needs, offers or people; flushes, never commits.
    ``progress`` is called after every row (the CLI prints it, the worker stores it)."""
    handler = {"needs": _import_need, "offers": _import_offer, "people": import_person}[kind]
    report = ImportReport(kind=kind, total=len(rows))
    seen: set[str] = set()
    for line, row in rows:
        try:
            if kind == "people":
                keys = people_key(row)
                if seen.intersection(keys):
                    raise RowError(_("This person appears twice in the file."))
                seen.update(keys)
            else:
                _check_external_id(row, seen)
            with session.begin_nested():
                outcome = handler(session, passwords, locate, row, actor)
        except (RowError, NeedError, OfferError, LocateError) as exc:
            report.errors.append((line, str(getattr(exc, "message", exc))))
        else:
            setattr(report, outcome, getattr(report, outcome) + 1)
        if progress is not None:
            progress(report)
    record_audit(
        session,
        actor,
        "csv.imported",
        None,
        {
            "kind": kind,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "errors": len(report.errors),
        },
    )
    return report


def _check_external_id(row: dict[str, str], seen: set[str]) -> None:
    ext = row.get("external_id", "")
    if not ext:
        raise RowError(_("external_id is empty."))
    if len(ext) > 80:
        raise RowError(_("external_id is longer than 80 characters."))
    if ext in seen:
        raise RowError(_("external_id “%(id)s” appears twice in the file.", id=ext))
    seen.add(ext)
