"""A demo neighborhood in north Brooklyn: areas, a coordinator, an admin, web neighbors and
SMS-only neighbors. Idempotent: people are found by email or phone before being created."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.accounts import NewAccount, create_person, find_by_email, find_by_phone
from mutualaid.admin_settings import seed_categories
from mutualaid.geo.geocoding import Place
from mutualaid.locations import found
from mutualaid.models import Area, Need, Offer
from mutualaid.models.base import utcnow
from mutualaid.models.people import CONSENT_OPTED_IN, SMS_PREF_NOTIFY, SMS_PREF_ONLY
from mutualaid.need_records import NeedInput
from mutualaid.needs import post_need
from mutualaid.offers import OfferInput, post_offer
from mutualaid.passwords import Passwords
from mutualaid.workspace.demo import ensure_coordinator_morning

DEMO_PASSWORD = "mutualaid-demo"  # noqa: S105  (printed for local demos only)

AREAS = [
    # slug, name, lat, lng, radius km
    ("williamsburg", "Williamsburg", 40.7081, -73.9571, 2.5),
    ("greenpoint", "Greenpoint", 40.7304, -73.9515, 2.0),
    ("bushwick", "Bushwick", 40.6958, -73.9171, 2.5),
]

# name, email, phone, role, language, home area, lat, lng, sms preference
PEOPLE = [
    (
        "Lee Park",
        "lee@demo.mutualaid.test",
        None,
        "coordinator",
        "en",
        "williamsburg",
        40.7127,
        -73.9566,
        None,
    ),
    (
        "Ada Admin",
        "admin@demo.mutualaid.test",
        None,
        "admin",
        "en",
        "williamsburg",
        40.7101,
        -73.9590,
        None,
    ),
    (
        "Jo Rivera",
        "jo@demo.mutualaid.test",
        "+17185550101",
        "neighbor",
        "en",
        "williamsburg",
        40.7142,
        -73.9614,
        SMS_PREF_NOTIFY,
    ),
    (
        "Priya Shah",
        "priya@demo.mutualaid.test",
        None,
        "neighbor",
        "en",
        "greenpoint",
        40.7291,
        -73.9543,
        None,
    ),
    (
        "Tomás Ortega",
        "tomas@demo.mutualaid.test",
        None,
        "neighbor",
        "es",
        "bushwick",
        40.6975,
        -73.9202,
        None,
    ),
    (
        "Maria Lopez",
        None,
        "+17185550102",
        "neighbor",
        "es",
        "williamsburg",
        40.7110,
        -73.9520,
        SMS_PREF_ONLY,
    ),
    (
        "Sam Green",
        None,
        "+17185550103",
        "neighbor",
        "en",
        "williamsburg",
        40.7150,
        -73.9540,
        SMS_PREF_ONLY,
    ),
    (
        "Dee Brown",
        None,
        "+17185550104",
        "neighbor",
        "en",
        "bushwick",
        40.6940,
        -73.9150,
        SMS_PREF_ONLY,
    ),
]


def load_demo(session: Session, passwords: Passwords, echo: Callable[[str], None] = print) -> None:
    if seed_categories(session):  # the migration seeds them; this fills an emptied table
        echo("  added the categories from config/categories.toml")
    areas = {area.slug: area for area in _ensure_areas(session, echo)}
    for name, email, phone, role, language, area_slug, lat, lng, sms_pref in PEOPLE:
        person = (find_by_email(session, email) if email else None) or (
            find_by_phone(session, phone) if phone else None
        )
        if person is None:
            person = create_person(
                session,
                passwords,
                NewAccount(
                    name=name,
                    email=email,
                    password=DEMO_PASSWORD if email else None,
                    phone=phone,
                    role=role,
                    language=language,
                ),
            )
            person.home_area_id = areas[area_slug].id
            person.lat, person.lng = lat, lng
            person.location_status = "ok"
            if email:  # the demo's addresses are made up: confirmed, so notices flow
                person.email_verified_at = utcnow()
            if sms_pref:
                person.sms_preference = sms_pref
                person.sms_consent = CONSENT_OPTED_IN
                person.sms_consent_at = utcnow()
                person.phone_verified_at = utcnow()
            if role in ("coordinator", "admin"):
                person.areas = list(areas.values())
            echo(f"  added {role} {name} ({email or phone})")
        else:
            echo(f"  kept  {role} {name}")
    session.flush()
    _ensure_needs_and_offers(session, echo)
    ensure_coordinator_morning(session, passwords, DEMO_PASSWORD, echo)
    echo(f"Demo accounts use the password {DEMO_PASSWORD!r}.")


def _ensure_areas(session: Session, echo: Callable[[str], None]) -> list[Area]:
    existing = {a.slug: a for a in session.scalars(select(Area))}
    out = []
    for slug, name, lat, lng, radius in AREAS:
        area = existing.get(slug)
        if area is None:
            area = Area(slug=slug, name=name, center_lat=lat, center_lng=lng, radius_km=radius)
            session.add(area)
            echo(f"  added area {name}")
        out.append(area)
    session.flush()
    return out


# --- Needs and offers (issue 3): posted through the domain functions ----------------------
# requester email or phone, category, urgency, details, place text, lat, lng, contact
NEEDS = [
    (
        "+17185550102",
        "groceries",
        "today",
        "Arroz, leche y pan para mi mamá",
        "Grand St & Havemeyer St, Brooklyn, NY 11211",
        40.7129,
        -73.9571,
        "sms",
    ),
    (
        "+17185550103",
        "transport",
        "week",
        "Ride to Woodhull Hospital on Thursday at 10am, and back",
        "Broadway & Marcy Ave, Brooklyn, NY 11211",
        40.7085,
        -73.9578,
        "sms",
    ),
    (
        "+17185550104",
        "meals",
        "today",
        "Hot meals for two for a few days after my surgery",
        "Knickerbocker Ave & Himrod St, Brooklyn, NY 11237",
        40.6994,
        -73.9212,
        "sms",
    ),
    (
        "priya@demo.mutualaid.test",
        "childcare",
        "week",
        "Someone to stay with my 6-year-old on Tuesday evening, 6 to 9",
        "Manhattan Ave & Greenpoint Ave, Brooklyn, NY 11222",
        40.7301,
        -73.9541,
        "web",
    ),
    (
        "tomas@demo.mutualaid.test",
        "medical",
        "flexible",
        "Recoger mis medicinas en la farmacia de Wilson Ave",
        "Wilson Ave & Jefferson St, Brooklyn, NY 11237",
        40.7004,
        -73.9266,
        "both",
    ),
]

# helper email, categories, radius km, availability, capacity, notes, place text, lat, lng
OFFERS: list[tuple[str, list[str], float, dict[str, Any], int, str, str, float, float]] = [
    (
        "+17185550103",  # Sam texts: an SMS-only helper
        ["groceries", "errands"],
        2.0,
        {"any_time": True},
        1,
        "Can shop on my way home.",
        "N 7th St & Berry St, Brooklyn, NY 11249",
        40.7185,
        -73.9580,
    ),
    (
        "jo@demo.mutualaid.test",
        ["groceries", "transport", "errands"],
        3.0,
        {
            "any_time": False,
            "windows": [{"days": [0, 1, 2, 3, 4], "start": "18:00", "end": "21:00"}],
        },
        2,
        "I have a car on weekday evenings.",
        "Bedford Ave & N 6th St, Brooklyn, NY 11249",
        40.7176,
        -73.9585,
    ),
    (
        "priya@demo.mutualaid.test",
        ["meals", "companionship"],
        2.0,
        {"any_time": True},
        1,
        "Happy to cook vegetarian food or come by for a chat.",
        "Manhattan Ave & Greenpoint Ave, Brooklyn, NY 11222",
        40.7301,
        -73.9541,
    ),
    (
        "tomas@demo.mutualaid.test",
        ["transport", "medical"],
        5.0,
        {"any_time": False, "windows": [{"days": [5, 6], "start": "10:00", "end": "16:00"}]},
        1,
        "Hablo español. Weekend rides to appointments and pharmacy runs.",
        "Wilson Ave & Jefferson St, Brooklyn, NY 11237",
        40.7004,
        -73.9266,
    ),
]


def _ensure_needs_and_offers(session: Session, echo: Callable[[str], None]) -> None:
    """Idempotent: a need is kept if its requester already has one with the same details,
    an offer if its helper already has one with the same notes."""
    # Offers first, so the needs posted next find helpers and form their pods.
    for who, cats, radius, availability, capacity, notes, text, lat, lng in OFFERS:
        person = find_by_phone(session, who) if who.startswith("+") else find_by_email(session, who)
        if person is None:
            continue
        exists = session.scalar(
            select(Offer.id).where(Offer.helper_id == person.id, Offer.notes == notes)
        )
        if exists:
            echo(f"  kept  offer from {person.first_name}")
            continue
        post_offer(
            session,
            person,
            OfferInput(cats, radius, availability, capacity, notes),
            found(text, Place(lat, lng, text, "demo")),
        )
        echo(f"  added offer ({', '.join(cats)}) from {person.first_name}")
    for who, category, urgency, details, text, lat, lng, contact in NEEDS:
        person = find_by_phone(session, who) if who.startswith("+") else find_by_email(session, who)
        if person is None:
            continue
        exists = session.scalar(
            select(Need.id).where(Need.requester_id == person.id, Need.details == details)
        )
        if exists:
            echo(f"  kept  need from {person.first_name}")
            continue
        need = post_need(
            session,
            person,
            NeedInput(category, urgency, None, details, contact),
            found(text, Place(lat, lng, text, "demo")),
        )
        echo(f"  added need {need.code} ({category}) from {person.first_name}")
