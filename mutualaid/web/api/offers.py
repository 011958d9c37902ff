"""API: offers. An offer is visible only to its helper (as on the web: /offers/mine);
for everyone else it does not exist (404). Same domain calls as mutualaid.web.offers."""

from __future__ import annotations

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Offer, OfferCategory, Person
from mutualaid.models.offers import OFFER_ACTIVE, OFFER_DELETED, OFFER_PAUSED
from mutualaid.offers import (
    OfferError,
    OfferInput,
    delete_offer,
    edit_offer,
    pause_offer,
    post_offer,
    resume_offer,
)
from mutualaid.web.api import schemas as s
from mutualaid.web.api.listing import near_clause, paginate, parse_near, within
from mutualaid.web.api.locating import locate
from mutualaid.web.api.problems import ApiProblem, domain_problem
from mutualaid.web.api.registry import operation
from mutualaid.web.api.serialize import offer_out

# OfferError fields point at web form widgets; in the API they live under availability.
_FIELDS = {"days": "availability.windows", "start": "availability.windows", "end": "availability"}


def own_offer(offer_id: int, me: Person) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.helper_id != me.id or offer.status == OFFER_DELETED:
        raise ApiProblem(404, "not-found")
    return offer


def _problem(exc: OfferError) -> ApiProblem:
    field = _FIELDS.get(exc.field or "", exc.field)
    return domain_problem(exc.message, field)


def _availability(value: s.AvailabilityIn) -> dict:
    return {
        "any_time": value.any_time,
        "windows": [w.model_dump() for w in value.windows],
    }


@operation(
    "/offers",
    "GET",
    summary="List your offers",
    response=s.OfferPage,
    query=s.OfferListQuery,
)
def list_offers(me: Person, query: s.OfferListQuery) -> s.OfferPage:
    """Your own offers, newest first (deleted ones are gone)."""
    origin = parse_near(query.near)
    q = select(Offer).where(Offer.helper_id == me.id, Offer.status != OFFER_DELETED)
    if query.status:
        q = q.where(Offer.status == query.status)
    if query.category:
        q = q.where(
            Offer.id.in_(
                select(OfferCategory.offer_id).where(OfferCategory.category == query.category)
            )
        )
    if origin is not None:
        q = q.where(near_clause(Offer.public_lat, Offer.public_lng, origin, query.radius_km))
    rows, cursor = paginate(
        q,
        Offer.id,
        limit=query.limit,
        cursor=query.cursor,
        keep=lambda o: within(origin, query.radius_km, o.public_lat, o.public_lng),
    )
    return s.OfferPage(items=[offer_out(o) for o in rows], next_cursor=cursor)


@operation(
    "/offers",
    "POST",
    summary="Offer help",
    response=s.OfferOut,
    status=201,
    body=s.OfferCreate,
    location_template="/offers/{id}",
)
def create_offer(me: Person, body: s.OfferCreate) -> s.OfferOut:
    """What you can do, where (`location` plus `radius_km`), when and how often."""
    location, notice = locate(body.location)
    data = OfferInput(
        categories=list(body.categories),
        radius_km=body.radius_km,
        availability=_availability(body.availability),
        capacity=body.capacity,
        notes=body.notes,
    )
    try:
        offer = post_offer(db.session, me, data, location)
    except OfferError as exc:
        db.session.rollback()
        raise _problem(exc) from None
    db.session.commit()
    return offer_out(offer, [notice] if notice else [])


@operation("/offers/{offer_id}", "GET", summary="One of your offers", response=s.OfferOut)
def get_offer(me: Person, offer_id: int) -> s.OfferOut:
    return offer_out(own_offer(offer_id, me))


@operation(
    "/offers/{offer_id}",
    "PATCH",
    summary="Change, pause or resume an offer",
    response=s.OfferOut,
    body=s.OfferPatch,
    errors=(409,),
)
def patch_offer(me: Person, offer_id: int, body: s.OfferPatch) -> s.OfferOut:
    """Only the fields given change. `status: paused` pauses, `status: active`
    resumes a paused or expired offer."""
    offer = own_offer(offer_id, me)
    given = body.model_fields_set - {"status"}
    notice = None
    try:
        if given:
            location = None
            if body.location is not None:
                location, notice = locate(body.location)
            data = OfferInput(
                categories=list(body.categories) if body.categories else offer.categories,
                radius_km=body.radius_km if body.radius_km is not None else offer.radius_km,
                availability=_availability(body.availability)
                if body.availability is not None
                else offer.availability,
                capacity=body.capacity if body.capacity is not None else offer.capacity,
                notes=body.notes if body.notes is not None else offer.notes,
            )
            edit_offer(db.session, offer, data, location)
        if body.status == OFFER_PAUSED and offer.status != OFFER_PAUSED:
            pause_offer(db.session, offer)
        elif body.status == OFFER_ACTIVE and offer.status != OFFER_ACTIVE:
            resume_offer(db.session, offer)
    except OfferError as exc:
        db.session.rollback()
        raise _problem(exc) from None
    db.session.commit()
    return offer_out(offer, [notice] if notice else [])


@operation("/offers/{offer_id}", "DELETE", summary="Delete an offer", response=None, status=204)
def delete_offer_op(me: Person, offer_id: int) -> None:
    """Matching ignores it from now on; it no longer appears anywhere."""
    delete_offer(db.session, own_offer(offer_id, me))
    db.session.commit()
