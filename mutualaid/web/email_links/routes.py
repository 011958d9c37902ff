"""Views behind the links in emails. Tokens are checked on every request (signature, age,
then the database: the person, and that the object is still theirs and still open)."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request
from sqlalchemy.orm import Session

from mutualaid import categories
from mutualaid.email.links import unsign
from mutualaid.email.notices import ANSWER_DAYS, CATEGORY_NAMES, OFFER_DAYS
from mutualaid.email.preferences import stop_email
from mutualaid.extensions import csrf, db
from mutualaid.i18n import _
from mutualaid.models import Membership, Person, Pod
from mutualaid.models.email import CATEGORIES
from mutualaid.models.pods import INVITED
from mutualaid.needs import resolve_from_pod
from mutualaid.offers import awaiting_confirmation, confirm_offer, pause_offer
from mutualaid.pods import seating
from mutualaid.pods.capacity import at_capacity_text
from mutualaid.pods.formation import PodError
from mutualaid.pods.seating import accept, decline
from mutualaid.pods.wording import urgency_label
from mutualaid.web.auth.forms import ConfirmForm
from mutualaid.web.email_links.blueprint import bp

DAY = 86_400
UNSUBSCRIBE_MAX_AGE = 400 * DAY


def _refuse(status: int = 400):
    message = _("This link is not valid or has expired. Open the website to answer there.")
    return render_template(
        "email_links/answered.html", title=_("Link expired"), message=message, error=True
    ), status


def _person(data: dict[str, Any] | None, session: Session) -> Person | None:
    if not data or not isinstance(data.get("p"), int):
        return None
    person = session.get(Person, data["p"])
    if person is None or person.deleted_at is not None or not person.is_active:
        return None
    return person


def _answered(title: str, message: str, link: str = ""):
    return render_template("email_links/answered.html", title=title, message=message, link=link)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail clients POST "List-Unsubscribe=One-Click" with no form token
def unsubscribe(token: str):
    data = unsign("unsubscribe", token, UNSUBSCRIBE_MAX_AGE)
    person = _person(data, db.session)
    category = data.get("c") if data else None
    if person is None or category not in CATEGORIES:
        return _refuse()
    name = CATEGORY_NAMES[str(category)]()
    if request.method == "POST":
        stop_email(db.session, person, str(category))
        db.session.commit()
        return _answered(
            _("You are unsubscribed"),
            _("We will not email you %(category)s any more. You can change this on your "
              "profile.", category=name),
            "/account/profile#notices",
        )  # fmt: skip
    return render_template("email_links/unsubscribe.html", category=name)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str):
    data = unsign("invitation", token, ANSWER_DAYS * DAY)
    person = _person(data, db.session)
    membership = (
        db.session.get(Membership, data["m"]) if data and isinstance(data.get("m"), int) else None
    )
    if person is None or membership is None or membership.person_id != person.id:
        return _refuse()
    pod = db.session.get(Pod, membership.pod_id)
    assert pod is not None
    need = pod.need
    form = ConfirmForm()
    if membership.status != INVITED:
        return _answered(
            _("This invitation is closed"),
            _("You already answered, or the group no longer needs an answer. Thank you!"),
        )
    if request.method == "POST" and form.validate_on_submit():
        answer = request.form.get("answer")
        if answer == "yes":
            result = accept(db.session, pod, person)
            db.session.commit()
            if result.seated:
                return _answered(
                    _("You're in!"),
                    _("Thank you. Log in to see the address and talk to the group %(code)s.",
                      code=pod.code),
                    f"/pods/{pod.id}",
                )  # fmt: skip
            if result.reason == seating.FULL:
                return _answered(
                    _("Thank you!"), _("This group filled up just before you answered.")
                )
            if result.reason == seating.AT_CAPACITY:
                return _answered(_("Thank you!"), at_capacity_text(result.capacity or 0))
            return _answered(
                _("Thank you!"), _("This invitation has expired. Thank you for answering.")
            )
        if answer == "no":
            decline(db.session, pod, person)
            db.session.commit()
            return _answered(_("Not this time"), _("No problem. We'll ask someone else."))
        abort(400)
    return render_template(
        "email_links/invitation.html",
        form=form,
        pod=pod,
        category=categories.label(need.category),
        urgency=urgency_label(need.urgency),
        expires=membership.invite_expires_at,
    )


@bp.route("/checkin/<token>", methods=["GET", "POST"])
def checkin(token: str):
    data = unsign("checkin", token, ANSWER_DAYS * DAY)
    person = _person(data, db.session)
    pod = db.session.get(Pod, data["pod"]) if data and isinstance(data.get("pod"), int) else None
    if person is None or pod is None or pod.need.requester_id != person.id:
        return _refuse()
    form = ConfirmForm()
    if not pod.need.is_active:
        return _answered(_("Already closed"), _("This request is already closed. Thank you!"))
    if request.method == "POST" and form.validate_on_submit():
        answer = request.form.get("answer")
        if answer == "done":
            try:
                resolve_from_pod(db.session, pod, person)
            except PodError as exc:
                return _answered(_("Already closed"), str(exc))
            db.session.commit()
            return _answered(_("Marked done"), _("Thank you! We told the group."))
        if answer == "still":
            return _answered(_("Thank you"), _("Your group keeps going. Nothing else to do."))
        abort(400)
    return render_template("email_links/checkin.html", form=form, pod=pod)


@bp.route("/offers/<token>", methods=["GET", "POST"])
def offers(token: str):
    person = _person(unsign("offers", token, OFFER_DAYS * DAY), db.session)
    if person is None:
        return _refuse()
    waiting = awaiting_confirmation(db.session, person)
    form = ConfirmForm()
    if not waiting:
        return _answered(
            _("Nothing to answer"), _("Your offers need no answer right now. Thank you!")
        )
    if request.method == "POST" and form.validate_on_submit():
        answer = request.form.get("answer")
        if answer == "yes":
            for offer in waiting:
                confirm_offer(db.session, offer)
            db.session.commit()
            return _answered(
                _("Thank you!"),
                _("Your offer stays open; we will invite you when someone nearby needs help."),
            )
        if answer == "pause":
            for offer in waiting:
                pause_offer(db.session, offer)
            db.session.commit()
            return _answered(
                _("Paused"), _("We will not invite you for now. Resume any time on the website.")
            )
        abort(400)
    labels = [", ".join(categories.label(c) for c in offer.categories) for offer in waiting]
    return render_template("email_links/offers.html", form=form, labels=labels)
