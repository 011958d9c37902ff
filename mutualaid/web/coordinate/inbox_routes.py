"""The SMS inbox: texts the parser could not place."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from mutualaid import categories, locations
from mutualaid.extensions import db
from mutualaid.i18n import _, current_language
from mutualaid.models import Person, SmsMessage
from mutualaid.need_records import NeedError, NeedInput, find_active_by_code
from mutualaid.policy import coordinates_area
from mutualaid.web.access import coordinator_required
from mutualaid.web.coordinate.blueprint import bp
from mutualaid.web.coordinate.common import me, page_arg
from mutualaid.workspace import inbox


def _message(message_id: int) -> tuple[SmsMessage, Person | None]:
    message = db.session.get(SmsMessage, message_id)
    if message is None:
        abort(404)
    sender = db.session.get(Person, message.person_id) if message.person_id else None
    if not inbox.visible(db.session, me(), message):
        abort(404)
    return message, sender


@bp.route("/inbox")
@coordinator_required
def inbox_list():
    return render_template(
        "coordinate/inbox.html", result=inbox.inbox_page(db.session, me(), page=page_arg())
    )


@bp.route("/inbox/<int:message_id>")
@coordinator_required
def inbox_message(message_id: int):
    message, sender = _message(message_id)
    return render_template(
        "coordinate/inbox_message.html",
        message=message,
        sender=sender,
        history=inbox.history(db.session, me(), message),
        open_needs=inbox.open_needs_of(db.session, me(), sender),
        categories=categories.choices(current_language()),
    )


def _after(message_id: int):
    return redirect(url_for("coordinate.inbox_list"), 303)


@bp.route("/inbox/<int:message_id>/reply", methods=["POST"])
@coordinator_required
def inbox_reply(message_id: int):
    message, _sender = _message(message_id)
    try:
        inbox.reply(db.session, message, me(), request.form.get("body", ""))
    except inbox.InboxError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("coordinate.inbox_message", message_id=message_id), 303)
    db.session.commit()
    flash(_("Reply queued."), "success")
    return _after(message_id)


@bp.route("/inbox/<int:message_id>/attach", methods=["POST"])
@coordinator_required
def inbox_attach(message_id: int):
    message, _sender = _message(message_id)
    code = (request.form.get("code") or "").strip().upper()
    need = find_active_by_code(db.session, code) if code else None
    if need is None or not coordinates_area(me(), need.area_id):
        flash(_("No open need with the code “%(code)s” in your areas.", code=code), "error")
        return redirect(url_for("coordinate.inbox_message", message_id=message_id), 303)
    inbox.attach(db.session, message, me(), need)
    db.session.commit()
    flash(_("The text was attached to %(code)s.", code=need.code), "success")
    return _after(message_id)


@bp.route("/inbox/<int:message_id>/need", methods=["POST"])
@coordinator_required
def inbox_create_need(message_id: int):
    message, _sender = _message(message_id)
    where = (request.form.get("location") or "").strip()
    try:
        if not where:
            raise inbox.InboxError(_("Say where help is needed (address, ZIP or lat,lng)."))
        located = locations.locate(db.session, where)  # before anything is written
        if located.location is None:
            raise inbox.InboxError(located.error or "")
        data = NeedInput(
            category=request.form.get("category", ""),
            urgency=request.form.get("urgency", "today"),
            details=request.form.get("details", "").strip(),
        )
        need = inbox.create_need(db.session, message, me(), data, located.location)
    except (inbox.InboxError, NeedError) as exc:
        db.session.rollback()
        flash(str(getattr(exc, "message", exc)), "error")
        return redirect(url_for("coordinate.inbox_message", message_id=message_id), 303)
    db.session.commit()
    flash(_("Need %(code)s was created from the text.", code=need.code), "success")
    return redirect(url_for("coordinate.need", need_id=need.id), 303)


@bp.route("/inbox/<int:message_id>/handled", methods=["POST"])
@coordinator_required
def inbox_handled(message_id: int):
    message, _sender = _message(message_id)
    inbox.mark_handled(db.session, message, me())
    db.session.commit()
    flash(_("Marked as handled."), "success")
    return _after(message_id)
