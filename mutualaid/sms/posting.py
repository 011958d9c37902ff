"""NEED and OFFER by text: ask for what is missing one question at a time, geocode the
place, post through the needs/offers domain and echo what was understood.

The flow state lives in the person's Conversation row (``flow_state.remember``); what the
person already told us is kept in its ``data`` so no answer has to be repeated.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from mutualaid import categories, locations
from mutualaid.i18n import _, distance, ngettext
from mutualaid.locations import Location
from mutualaid.models import Person
from mutualaid.models.offers import OFFER_ACTIVE, OFFER_PAUSED
from mutualaid.need_records import NeedError, NeedInput
from mutualaid.needs import post_need
from mutualaid.offers import (
    DEFAULT_RADIUS_KM,
    MAX_RADIUS_KM,
    MIN_RADIUS_KM,
    OfferError,
    OfferInput,
    edit_offer,
    offers_of,
    post_offer,
)
from mutualaid.sms import commands as c
from mutualaid.sms.compliance import mark_number_known
from mutualaid.sms.flow_state import (
    NEED_CATEGORY,
    NEED_WHERE,
    OFFER_CATEGORY,
    OFFER_WHERE,
    category_menu,
    forget,
    remember,
)

MAX_DETAILS = 2000


def _short(text: str, n: int = 30) -> str:
    text = c.tidy(text)
    return text if len(text) <= n else text[: n - 3].rstrip() + "..."


def locate(session: Session, where: str) -> tuple[Location | None, str | None]:
    """(location, problem): a found or pending Location, or None and what to tell the person.
    No network call here (the number is locked for this transaction): a street address the
    geocoder cache does not know yet is kept as pending and the retry job looks it up."""
    result = locations.locate(session, where, network=False)
    return result.location, result.error


def _ask_category(session: Session, person: Person, state: str, data: dict, question: str) -> str:
    remember(session, person, state, data)
    return _("%(question)s Reply %(menu)s", question=question, menu=category_menu())


def _ask_where(session: Session, person: Person, state: str, data: dict, problem: str = "") -> str:
    remember(session, person, state, data)
    question = _("Where? Reply with a ZIP code or address (or lat,lng).")
    return f"{problem} {question}".strip() if problem else question


def ask_where_again(session: Session, person: Person, state: str, data: dict) -> str:
    """The answer to "Where?" was a yes, no or thanks: ask again, saying why."""
    remember(session, person, state, data)
    return _(
        "Where? I need a place to find neighbors near you: a ZIP code, an address or a place "
        "nearby."
    )


def need(session: Session, person: Person, cmd: c.Command) -> str:
    data = {
        "category": cmd.category,
        "where": cmd.where,
        "details": cmd.details,
        "people": cmd.people,
    }
    return need_from(session, person, data)


def _understood(data: dict) -> str:
    """What a request in words said so far, restated: "Medical, tomorrow morning"."""
    parts = [categories.label(data["category"])] if data.get("category") else []
    if data.get("when"):
        parts.append(str(data["when"]))
    return ", ".join(parts)


def need_from(session: Session, person: Person, data: dict) -> str:
    """Post the need when category and place are known; otherwise ask for the next part.
    ``data["natural"]``: the request came in words (issue 18): questions restate what was
    understood, and the reply says how to FIX a wrong guess."""
    if not data.get("category"):
        return _ask_category(session, person, NEED_CATEGORY, data, _("What do you need?"))
    if not data.get("where"):
        if data.get("natural") and not data.get("asked_where"):
            remember(session, person, NEED_WHERE, {**data, "asked_where": True})
            return _(
                "Got it: %(what)s. Where? Reply with a ZIP code, an address or a place nearby.",
                what=_understood(data),
            )
        return _ask_where(session, person, NEED_WHERE, data)
    location, problem = locate(session, data["where"])
    if location is None:
        return _ask_where(session, person, NEED_WHERE, {**data, "where": None}, problem or "")
    forget(session, person)
    details = (data.get("details") or "")[:MAX_DETAILS]
    also = [categories.label(k) for k in data.get("also") or () if categories.get(k)]
    if also:  # several needs in one text: the first is posted, the others are noted
        noted = _("also: %(what)s", what=", ".join(also))
        details = f"{details} ({noted})"[:MAX_DETAILS]
    try:
        posted = post_need(
            session,
            person,
            NeedInput(
                category=data["category"],
                urgency=data.get("urgency") or "today",
                details=details,
                people_needed=data.get("people"),
                contact_preference="sms",
            ),
            location,
            per_hour_limit=current_app.config["MUTUALAID"].need_posts_per_hour,
        )
    except NeedError as exc:
        return _("Sorry, we could not post that: %(why)s", why=str(exc.message))
    mark_number_known(session, person)
    name = categories.name_of(posted.category, person.language)
    if data.get("natural"):
        echo = ngettext(
            "Got it: need %(code)s, %(category)s near %(where)s%(when)s. Looking for %(num)d "
            "neighbor near you. Reply FIX to change it, CANCEL %(code)s to withdraw.",
            "Got it: need %(code)s, %(category)s near %(where)s%(when)s. Looking for %(num)d "
            "neighbors near you. Reply FIX to change it, CANCEL %(code)s to withdraw.",
            posted.people_needed,
            code=posted.code,
            category=name,
            where=_short(data["where"]),
            when=f", {data['when']}" if data.get("when") else "",
        )
    else:
        echo = ngettext(
            "Got it: need %(code)s, %(category)s near %(where)s. Looking for %(num)d neighbor "
            "near you. Reply STATUS anytime, CANCEL %(code)s to withdraw.",
            "Got it: need %(code)s, %(category)s near %(where)s. Looking for %(num)d neighbors "
            "near you. Reply STATUS anytime, CANCEL %(code)s to withdraw.",
            posted.people_needed,
            code=posted.code,
            category=name,
            where=_short(data["where"]),
        )
    if person.name.startswith("Texter ") and not person.email:
        echo += " " + _("Text NAME and your first name so helpers know you.")
    return echo


def offer(session: Session, person: Person, cmd: c.Command) -> str:
    data = {
        "categories": list(cmd.categories),
        "where": cmd.where,
        "radius_km": cmd.radius_km,
        "notes": cmd.details,
    }
    return offer_from(session, person, data)


def offer_from(session: Session, person: Person, data: dict) -> str:
    """Post (or update) the person's offer once categories and place are known."""
    if not data.get("categories"):
        return _ask_category(session, person, OFFER_CATEGORY, data, _("What can you help with?"))
    if not data.get("where"):
        return _ask_where(session, person, OFFER_WHERE, data)
    location, problem = locate(session, data["where"])
    if location is None:
        return _ask_where(session, person, OFFER_WHERE, {**data, "where": None}, problem or "")
    forget(session, person)
    radius = data.get("radius_km") or DEFAULT_RADIUS_KM
    radius = min(max(float(radius), MIN_RADIUS_KM), MAX_RADIUS_KM)
    existing = [o for o in offers_of(session, person) if o.status in (OFFER_ACTIVE, OFFER_PAUSED)]
    cats = sorted(set(data["categories"]))
    try:
        if len(existing) == 1:  # one offer per texter: a new OFFER updates it
            current = existing[0]
            cats = sorted(set(cats) | set(current.categories))
            posted = edit_offer(
                session,
                current,
                OfferInput(
                    categories=cats,
                    radius_km=radius,
                    availability=current.availability,
                    capacity=current.capacity,
                    notes=(data.get("notes") or current.notes or "")[:MAX_DETAILS],
                ),
                location,
            )
            verb = _("Offer updated")
        else:
            posted = post_offer(
                session,
                person,
                OfferInput(
                    categories=cats, radius_km=radius, notes=(data.get("notes") or "")[:MAX_DETAILS]
                ),
                location,
            )
            verb = _("Got it")
    except OfferError as exc:
        return _("Sorry, we could not save that offer: %(why)s", why=str(exc.message))
    mark_number_known(session, person)
    names = ", ".join(categories.name_of(k, person.language) for k in posted.categories)
    if _units(session, person, location) == "mi":  # "within 3.0 mi": the area counts miles
        return _(
            "%(verb)s: you offer %(categories)s within %(distance)s of %(where)s. We'll text "
            "you invitations. PAUSE to stop them.",
            verb=verb,
            categories=names,
            distance=distance(posted.radius_km, "mi"),
            where=_short(data["where"]),
        )
    return _(
        "%(verb)s: you offer %(categories)s within %(km)s km of %(where)s. We'll text you "
        "invitations. PAUSE to stop them.",
        verb=verb,
        categories=names,
        km=f"{posted.radius_km:g}",
        where=_short(data["where"]),
    )


def _units(session: Session, person: Person, location: Location) -> str:
    """The units the person counts distances in: their home area's, else the area the
    offer is in, else km."""
    area = person.home_area
    if area is None and location.lat is not None and location.lng is not None:
        area = locations.area_for(session, location.lat, location.lng)
    return area.units if area is not None else "km"
