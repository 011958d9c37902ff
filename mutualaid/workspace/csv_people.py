"""People in CSV: the coordinator-scoped export and the idempotent import.

Export: the people the viewer may see (mutualaid.policy). Phone, email and address
are written in full only where ``exact`` is "yes" (the person lives, asks or offers in the
viewer's areas), as in the needs and offers exports; other rows carry a masked phone.

Import: a row is matched to a person by email, then phone; nobody is ever created twice.
A new person gets no password (phone-only people log in by text, web people reset one).
A known person is only filled in where something is missing (home area, location, the other
contact, text preference): nothing the person chose is overwritten, so importing the same
file again changes nothing.

Texts (SMS consent, docs/sms.md): an imported person gets no texts (``sms_preference``
"none") unless the row says ``sms`` notify/only **and** ``sms_consent`` yes, which states
that the person agreed to get texts; that consent is recorded (audited, with the importing
coordinator) like a START. A number that texted STOP is never opted back in by a file, and a
web account's own text setting is left alone. Everyone else opts in by texting us.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from mutualaid.accounts import AccountError, NewAccount, create_person, find_by_phone
from mutualaid.i18n import _
from mutualaid.locations import Location, apply_location, area_for
from mutualaid.models import Area, Membership, Need, Offer, Person
from mutualaid.models.people import (
    CONSENT_NONE,
    CONSENT_OPTED_IN,
    CONSENT_OPTED_OUT,
    LANGUAGES,
    SMS_PREF_NONE,
    SMS_PREFERENCES,
)
from mutualaid.models.places import LOCATION_NONE
from mutualaid.passwords import Passwords
from mutualaid.phones import InvalidPhone, mask_phone, normalise_phone
from mutualaid.policy import area_ids, exact_people_filter, people_filter, sees_person
from mutualaid.sms.compliance import opt_in
from mutualaid.workspace.csv_common import RowError, checked_contact, csv_line, not_yours

EXPORTED_CONSENT = (CONSENT_NONE, CONSENT_OPTED_IN, CONSENT_OPTED_OUT)
PEOPLE_COLUMNS = [
    "id", "name", "role", "language", "sms_preference", "sms_consent", "home_area",
    "created_at", "web_login", "needs", "offers", "pods", "exact", "phone", "email", "address",
]  # fmt: skip


def export_people(session: Session, viewer: Person) -> Iterator[str]:
    yield csv_line(PEOPLE_COLUMNS)
    areas = {a.id: a.name for a in session.scalars(select(Area))}

    def count(model, column):
        stmt = select(func.count()).select_from(model).where(column == Person.id)
        return stmt.correlate(Person).scalar_subquery()

    exact = case((exact_people_filter(session, viewer), 1), else_=0)
    stmt = (
        select(
            Person,
            exact,
            count(Need, Need.requester_id),
            count(Offer, Offer.helper_id),
            count(Membership, Membership.person_id),
        )
        .where(people_filter(session, viewer))
        .order_by(Person.id)
    )
    for person, is_exact, needs, offers, pods in session.execute(
        stmt.execution_options(yield_per=500)
    ):
        yield csv_line(
            [
                person.id, person.name, person.role, person.language, person.sms_preference,
                person.sms_consent, areas.get(person.home_area_id, ""),
                person.created_at.isoformat(), "yes" if person.has_password else "no",
                needs, offers, pods, "yes" if is_exact else "no",
                person.phone if is_exact else mask_phone(person.phone),
                (person.email or "") if is_exact else "",
                person.address_text if is_exact else "",
            ]
        )  # fmt: skip


# --- import ---------------------------------------------------------------------------


def people_key(row: dict[str, str]) -> list[str]:
    """What makes two rows the same person (for "appears twice in the file")."""
    keys = []
    if row.get("email"):
        keys.append("e:" + row["email"].strip().lower())
    if row.get("phone"):
        with contextlib.suppress(InvalidPhone):
            keys.append("p:" + normalise_phone(row["phone"]))
    return keys


def _choice(row: dict[str, str], key: str, allowed, default: str, message: str) -> str:
    value = (row.get(key) or "").strip().lower() or default
    if value not in allowed:
        raise RowError(message)
    return value


def _home_area(
    session: Session, actor: Person, row: dict[str, str], location: Location | None
) -> Area | None:
    ids = area_ids(actor)
    name = (row.get("area") or "").strip()
    if name:
        area = session.scalar(
            select(Area).where(or_(func.lower(Area.name) == name.lower(), Area.slug == name))
        )
        if area is None:
            raise RowError(_("Unknown area “%(a)s”.", a=name))
        if ids is not None and area.id not in ids:
            raise RowError(_("You do not coordinate the area “%(a)s”.", a=name))
        return area
    if location is not None and location.lat is not None and location.lng is not None:
        area = area_for(session, location.lat, location.lng)
        if area is not None and (ids is None or area.id in ids):
            return area
    if ids is not None and len(ids) == 1:
        return session.get(Area, ids[0])
    return None


def import_person(
    session: Session,
    passwords: Passwords | None,
    locate: Callable[[str], Location],
    row: dict[str, str],
    actor: Person,
) -> str:
    """One row of a people file: "created", "updated" or "unchanged"; RowError otherwise."""
    email, phone = checked_contact(row)
    email = email.lower() if email else None
    language = _choice(
        row, "language", LANGUAGES, "en",
        _("Unknown language “%(l)s”: use en or es.", l=row.get("language", "")),
    )  # fmt: skip
    sms = _choice(
        row, "sms", SMS_PREFERENCES, SMS_PREF_NONE, _("sms must be none, notify or only.")
    )
    # An export's column holds the recorded state (none, opted_in, opted_out), so that file
    # re-imports as it is; only a "yes" states new consent.
    consent = _choice(
        row, "sms_consent", ("yes", "no", *EXPORTED_CONSENT), "no",
        _("sms_consent must be yes or no."),
    )  # fmt: skip
    if sms != SMS_PREF_NONE and consent != "yes":
        raise RowError(
            _(
                "Texts need the person's consent: write yes in sms_consent only if they agreed "
                "to get texts; otherwise leave sms empty."
            )
        )
    if sms != SMS_PREF_NONE and not phone:
        raise RowError(_("Texts need a phone number."))
    # Emails are stored normalised (accounts.normalise_email): an indexed lookup, where
    # find_by_email's lower() scans the table (create_person still checks that way).
    by_email = session.scalar(select(Person).where(Person.email == email)) if email else None
    by_phone = find_by_phone(session, phone) if phone else None
    if by_email and by_phone and by_email.id != by_phone.id:
        raise RowError(
            _("The email and the phone belong to two different people; merge them first.")
        )
    person = by_email or by_phone
    where = (row.get("location") or "").strip()
    if person is not None and not sees_person(session, actor, person):
        raise not_yours()
    if person is None:
        location = locate(where) if where else None
        area = _home_area(session, actor, row, location)
        if area is None and not actor.is_admin:
            raise RowError(_("Say which of your areas the person belongs to (area column)."))
        try:
            person = create_person(
                session,
                passwords,
                NewAccount(
                    name=row.get("name", ""), email=email, password=None, phone=phone,
                    language=language,
                ),
            )  # fmt: skip
        except AccountError as exc:
            raise RowError(str(exc)) from None
        person.home_area_id = area.id if area else None
        if location is not None:
            apply_location(session, person, location)
        if sms != SMS_PREF_NONE:
            person.sms_preference = sms
            opt_in(session, person, source=f"csv import by person {actor.id}")
        session.flush()
        return "created"
    changed = False
    if email and not person.email:
        person.email, changed = email, True
    if phone and not person.phone:
        person.phone, changed = phone, True
    if where and person.location_status == LOCATION_NONE and not person.address_text:
        apply_location(session, person, locate(where))
        changed = True
    if person.home_area_id is None and (row.get("area") or where):
        area = _home_area(session, actor, row, None)
        if area is not None:
            person.home_area_id, changed = area.id, True
    if sms != SMS_PREF_NONE and person.sms_preference == SMS_PREF_NONE:
        if person.sms_consent == CONSENT_OPTED_OUT:
            raise RowError(_("This number texted STOP; only the person can opt back in."))
        if not person.has_password and person.sms_consent == CONSENT_NONE:
            person.sms_preference = sms
            opt_in(session, person, source=f"csv import by person {actor.id}")
            changed = True
    session.flush()
    return "updated" if changed else "unchanged"
