"""Texts about the person themselves: PAUSE, RESUME, STATUS, LANG and NAME. Each returns
the reply; nothing here commits."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid import categories
from mutualaid.i18n import _, in_language
from mutualaid.models import Need, Person, utcnow
from mutualaid.models.needs import ACTIVE_STATUSES
from mutualaid.models.offers import OFFER_ACTIVE, OFFER_EXPIRED, OFFER_PAUSED
from mutualaid.offers import confirm_offer, offers_of, pause_offer, resume_offer
from mutualaid.pods.mine import pending_invitations, seated_pods
from mutualaid.sms import commands as c
from mutualaid.sms.actions import NEED_STATUS_WORDS


def pause(session: Session, person: Person) -> str:
    person.paused_at = person.paused_at or utcnow()
    for offer in offers_of(session, person):
        if offer.status == OFFER_ACTIVE:
            pause_offer(session, offer)
    session.flush()
    return _("Paused: no new invitations until you text RESUME. Your pods are not affected.")


def resume(session: Session, person: Person) -> str:
    person.paused_at = None
    for offer in offers_of(session, person):
        if offer.status in (OFFER_PAUSED, OFFER_EXPIRED):
            resume_offer(session, offer)  # also confirms it is fresh
        elif offer.status == OFFER_ACTIVE and offer.confirm_asked_at is not None:
            confirm_offer(session, offer)  # answers "still available?"
    session.flush()
    return _("Welcome back: invitations are on again. Reply STATUS to see your offers.")


def status(session: Session, person: Person) -> str:
    parts: list[str] = []
    needs = session.scalars(
        select(Need)
        .where(Need.requester_id == person.id, Need.status.in_(ACTIVE_STATUSES))
        .order_by(Need.id)
    ).all()
    for n in needs[:3]:
        parts.append(
            _(
                "need %(code)s %(category)s (%(status)s)",
                code=n.code,
                category=categories.label(n.category),
                status=str(NEED_STATUS_WORDS.get(n.status, n.status)),
            )
        )
    for pod in seated_pods(session, person, helper_only=True)[:3]:
        parts.append(_("helping %(code)s", code=pod.code))
    for pod in pending_invitations(session, person)[:3]:
        parts.append(_("invited %(code)s", code=pod.code))
    offers = [o for o in offers_of(session, person) if o.status in (OFFER_ACTIVE, OFFER_PAUSED)]
    for o in offers[:2]:
        names = ", ".join(categories.label(k) for k in o.categories)
        paused = _(" paused") if o.status == OFFER_PAUSED else ""
        parts.append(
            _(
                "offer %(categories)s %(km)s km%(paused)s",
                categories=names,
                km=f"{o.radius_km:g}",
                paused=paused,
            )
        )
    if person.paused_at is not None:
        parts.append(_("invitations paused (RESUME)"))
    if not parts:
        return _("Nothing open. Text NEED groceries 11211 or OFFER rides 11211 to start.")
    return _("Your mutualaid: %(list)s.", list="; ".join(parts))


def language(session: Session, person: Person, cmd: c.Command) -> str:
    if cmd.language not in ("en", "es"):
        return _("Reply LANG ES for Spanish or LANG EN for English.")
    person.language = cmd.language
    session.flush()
    with in_language(person.language):
        if person.language == "es":
            return _("OK: texts in Spanish from now on. LANG EN for English.")
        return _("OK: texts in English from now on. LANG ES for Spanish.")


def rename(session: Session, person: Person, cmd: c.Command) -> str:
    """NAME Maria: the first name the pod sees ("[A7K] Maria: ...")."""
    name = c.tidy(cmd.name)
    if not name or any(ch.isdigit() for ch in name):
        return _("Reply NAME and your first name, like NAME Maria.")
    person.name = name[:60]
    session.flush()
    return _(
        "Thanks, %(name)s! Pods will see you as %(name)s. Text NEED or OFFER to start.",
        name=person.first_name,
    )
