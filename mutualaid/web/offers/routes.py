from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from wtforms import Field

from mutualaid.extensions import db
from mutualaid.i18n import _
from mutualaid.locations import area_for
from mutualaid.models import Offer, Person
from mutualaid.models.offers import OFFER_DELETED
from mutualaid.models.places import LOCATION_FAILED
from mutualaid.offers import (
    OfferError,
    OfferInput,
    awaiting_confirmation,
    confirm_offer,
    delete_offer,
    edit_offer,
    offers_of,
    pause_offer,
    post_offer,
    resume_offer,
)
from mutualaid.web.locating import locate_field
from mutualaid.web.offers.blueprint import bp
from mutualaid.web.offers.forms import OfferForm


def _me() -> Person:
    user: Person = current_user._get_current_object()  # flask_login is untyped
    return user


def _own_offer(offer_id: int) -> Offer:
    offer = db.session.get(Offer, offer_id)
    if offer is None or offer.helper_id != _me().id or offer.status == OFFER_DELETED:
        abort(404)
    return offer


def _units(offer: Offer | None) -> str:
    """The units the person counts in: their home area's, else (editing) the area of the
    place they gave for the offer, else km."""
    area = _me().home_area
    if area is None and offer is not None and offer.lat is not None and offer.lng is not None:
        area = area_for(db.session, offer.lat, offer.lng)
    return area.units if area is not None else "km"


def _input(form: OfferForm) -> OfferInput:
    return OfferInput(
        categories=list(form.categories.data or []),
        radius_km=form.radius_in_km(),
        availability=form.availability(),
        capacity=int(form.capacity.data),
        notes=form.notes.data or "",
    )


def _fill_from(form: OfferForm, offer: Offer) -> None:
    form.categories.data = offer.categories
    form.show_radius(offer.radius_km)
    form.capacity.data = offer.capacity
    form.notes.data = offer.notes
    form.location.data = offer.address_text
    availability = offer.availability or {"any_time": True}
    if availability.get("any_time", True):
        form.when.data = "any"
    else:
        window = (availability.get("windows") or [{}])[0]
        form.when.data = "times"
        form.days.data = [str(d) for d in window.get("days", [])]
        form.start.data = window.get("start", "")
        form.end.data = window.get("end", "")


def _save(form: OfferForm, offer: Offer | None):
    """Validate, geocode if the place changed, save. Returns a redirect or None."""
    location, note = None, None
    if (
        offer is None
        or (form.location.data or "").strip() != offer.address_text
        or offer.location_status == LOCATION_FAILED
    ):
        location, note = locate_field(form.location)
        if location is None:
            return None
    try:
        if offer is None:
            assert location is not None  # a new offer's place was looked up above
            offer = post_offer(db.session, _me(), _input(form), location)
        else:
            edit_offer(db.session, offer, _input(form), location)
    except OfferError as exc:
        field: Field = {"start": form.start, "end": form.end}.get(exc.field or "")
        field = field or getattr(form, exc.field or "categories", form.categories)
        field.errors.append(str(exc.message))
        return None
    db.session.commit()
    flash(_("Thank you! Your offer is saved."), "success")
    if note:
        flash(note, "info")
    return redirect(url_for("offers.mine"))


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    form = OfferForm(units=_units(None))
    if form.validate_on_submit():
        done = _save(form, None)
        if done is not None:
            return done
    status = 400 if form.is_submitted() else 200
    return render_template("offers/form.html", form=form, offer=None), status


@bp.route("/<int:offer_id>/edit", methods=["GET", "POST"])
@login_required
def edit(offer_id: int):
    offer = _own_offer(offer_id)
    form = OfferForm(keep=tuple(offer.categories), units=_units(offer))
    if not form.is_submitted():
        _fill_from(form, offer)
    elif form.validate():
        done = _save(form, offer)
        if done is not None:
            return done
    status = 400 if form.is_submitted() else 200
    return render_template("offers/form.html", form=form, offer=offer), status


@bp.route("/mine")
@login_required
def mine():
    return render_template("offers/mine.html", offers=offers_of(db.session, _me()))


def _act(offer_id: int, action, done: str):
    offer = _own_offer(offer_id)
    try:
        action(db.session, offer)
    except OfferError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for("offers.mine"))


@bp.route("/<int:offer_id>/pause", methods=["POST"])
@login_required
def pause(offer_id: int):
    return _act(offer_id, pause_offer, _("Paused. You will not be asked until you resume."))


@bp.route("/<int:offer_id>/resume", methods=["POST"])
@login_required
def resume(offer_id: int):
    return _act(offer_id, resume_offer, _("Welcome back! Your offer is active again."))


@bp.route("/<int:offer_id>/confirm", methods=["POST"])
@login_required
def confirm(offer_id: int):
    return _act(offer_id, confirm_offer, _("Thanks for confirming you are still available."))


@bp.route("/<int:offer_id>/delete", methods=["POST"])
@login_required
def delete(offer_id: int):
    return _act(offer_id, delete_offer, _("Your offer is deleted."))


@bp.app_context_processor
def offer_confirmations():
    """Offers the freshness job asked about: shown as a banner on My offers and the board."""

    def pending_confirmations() -> list[Offer]:
        if not current_user.is_authenticated:
            return []
        return awaiting_confirmation(db.session, _me())

    return {"pending_confirmations": pending_confirmations}
