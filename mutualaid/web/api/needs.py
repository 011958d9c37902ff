"""API: needs. Same domain calls and the same "who may" checks as mutualaid.web.needs.

Visibility: the caller's own needs, needs they may see privately (`can_see_private`:
coordinators of the area, admins, seated helpers) and the open board (public view:
snapped point, no details). Changing a need takes `can_see_private`, as on the web;
someone who can only see the public entry gets 403, anyone else 404.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.matching import find_matches
from mutualaid.models import Area, Need, Person
from mutualaid.need_records import NeedError, NeedInput, expiry_hours
from mutualaid.needs import cancel_need, edit_need, post_need, resolve_need
from mutualaid.policy import (
    can_manage,
    coordinates_need,
    may_see_need,
    visible_needs_clause,
)
from mutualaid.web.api import schemas as s
from mutualaid.web.api.listing import near_clause, paginate, parse_near, within
from mutualaid.web.api.locating import locate
from mutualaid.web.api.problems import ApiProblem, domain_problem, field_error
from mutualaid.web.api.registry import operation
from mutualaid.web.api.serialize import match_out, need_out


def _hours() -> dict:
    return expiry_hours(current_app.config["MUTUALAID"].need_expiry_hours)


def visible_need(need_id: int, me: Person) -> Need:
    """The need if the caller may see it at all (privately or on the board), else 404."""
    need = db.session.get(Need, need_id)
    if need is None or not may_see_need(me, need):
        raise ApiProblem(404, "not-found")
    return need


def private_need(need_id: int, me: Person) -> Need:
    """The need if the caller may change it (the web's rule); 403 if they only see the
    public board entry; 404 if they may not know it exists."""
    need = visible_need(need_id, me)
    if not can_manage(me, need):
        raise ApiProblem(403, "forbidden")
    return need


def _area_filter(value: str) -> int:
    area = None
    if value.isdecimal() and len(value) < 10:
        area = db.session.get(Area, int(value))
    if area is None:
        area = db.session.scalar(select(Area).where(Area.slug == value))
    if area is None:
        raise ApiProblem(
            422,
            "validation-error",
            errors=[field_error(["area"], _("No such area."))],
        )
    return area.id


@operation(
    "/needs",
    "GET",
    summary="List the needs you may see",
    response=s.NeedPage,
    query=s.NeedListQuery,
)
def list_needs(me: Person, query: s.NeedListQuery) -> s.NeedPage:
    """Newest first. Your own needs, needs you coordinate or help with (with `private`
    details), and the open board (public view only). Filters combine."""
    origin = parse_near(query.near)
    q = select(Need).options(selectinload(Need.requester), selectinload(Need.area))
    visible = visible_needs_clause(me)
    if visible is not None:
        q = q.where(visible)
    if query.status:
        q = q.where(Need.status == query.status)
    if query.category:
        q = q.where(Need.category == query.category)
    if query.area:
        q = q.where(Need.area_id == _area_filter(query.area))
    if origin is not None:
        q = q.where(near_clause(Need.public_lat, Need.public_lng, origin, query.radius_km))
    rows, cursor = paginate(
        q,
        Need.id,
        limit=query.limit,
        cursor=query.cursor,
        keep=lambda n: within(origin, query.radius_km, n.public_lat, n.public_lng),
    )
    return s.NeedPage(items=[need_out(n, me) for n in rows], next_cursor=cursor)


@operation(
    "/needs",
    "POST",
    summary="Post a need",
    response=s.NeedOut,
    status=201,
    body=s.NeedCreate,
    location_template="/needs/{id}",
)
def create_need(me: Person, body: s.NeedCreate) -> s.NeedOut:
    """Posting a need forms its pod and invites helpers, as on the web. If the map service
    is down the need is saved with `location_status: pending` and a notice says so."""
    location, notice = locate(body.location)
    data = NeedInput(
        category=body.category,
        urgency=body.urgency,
        people_needed=body.people_needed,
        details=body.details,
        contact_preference=body.contact_preference,
    )
    try:
        need = post_need(
            db.session,
            me,
            data,
            location,
            hours=_hours(),
            per_hour_limit=current_app.config["MUTUALAID"].need_posts_per_hour,
        )
    except NeedError as exc:
        db.session.rollback()
        raise domain_problem(exc.message, exc.field or "category") from None
    db.session.commit()
    return need_out(need, me, [notice] if notice else [])


@operation(
    "/needs/{need_id}",
    "GET",
    summary="One need",
    response=s.NeedOut,
)
def get_need(me: Person, need_id: int) -> s.NeedOut:
    """`private` is filled only for the requester, seated helpers, the area's
    coordinators and admins; an open need on the board shows its public view to others."""
    return need_out(visible_need(need_id, me), me)


@operation(
    "/needs/{need_id}",
    "PATCH",
    summary="Change a need",
    response=s.NeedOut,
    body=s.NeedPatch,
    errors=(403, 409),
)
def patch_need(me: Person, need_id: int, body: s.NeedPatch) -> s.NeedOut:
    """Only the fields given change (null or omitted keeps the current value). A closed
    need cannot be changed (409)."""
    need = private_need(need_id, me)

    def pick(name: str):
        value = getattr(body, name)
        return getattr(need, name) if value is None else value

    data = NeedInput(
        category=pick("category"),
        urgency=pick("urgency"),
        people_needed=pick("people_needed"),
        details=pick("details"),
        contact_preference=pick("contact_preference"),
    )
    location, notice = locate(body.location) if body.location is not None else (None, None)
    try:
        edit_need(db.session, need, data, location, hours=_hours())
    except NeedError as exc:
        db.session.rollback()
        raise domain_problem(exc.message, exc.field) from None
    db.session.commit()
    return need_out(need, me, [notice] if notice else [])


def _transition(me: Person, need_id: int, action) -> s.NeedOut:
    need = private_need(need_id, me)
    try:
        action(db.session, need, actor=me)
    except NeedError as exc:
        db.session.rollback()
        raise domain_problem(exc.message, None) from None
    db.session.commit()
    return need_out(need, me)


@operation(
    "/needs/{need_id}/cancel",
    "POST",
    summary="Cancel a need",
    response=s.NeedOut,
    errors=(403, 409),
)
def cancel_need_op(me: Person, need_id: int) -> s.NeedOut:
    """The pod closes and everyone invited or seated is told (as on the web)."""
    return _transition(me, need_id, cancel_need)


@operation(
    "/needs/{need_id}/resolve",
    "POST",
    summary="Mark a need resolved",
    response=s.NeedOut,
    errors=(403, 409),
)
def resolve_need_op(me: Person, need_id: int) -> s.NeedOut:
    """The need is met; the pod closes and its members are thanked."""
    return _transition(me, need_id, resolve_need)


@operation(
    "/needs/{need_id}/matches",
    "GET",
    summary="Ranked helpers for a need (coordinators)",
    response=s.MatchList,
    query=s.MatchQuery,
    errors=(403,),
)
def need_matches(me: Person, need_id: int, query: s.MatchQuery) -> s.MatchList:
    """For coordinators of the need's area (and admins, and a neighboring area's while the
    need is escalated): who the matcher would ask, with distance in km, score and the
    reasons. Others who can see the need get 403."""
    need = visible_need(need_id, me)
    if not coordinates_need(me, need):
        raise ApiProblem(403, "forbidden")
    matches = find_matches(db.session, need, limit=query.limit)
    people = {
        p.id: p
        for p in db.session.scalars(
            select(Person).where(Person.id.in_([m.person_id for m in matches]))
        )
    }
    return s.MatchList(
        need_id=need.id, items=[match_out(m, people.get(m.person_id)) for m in matches]
    )
