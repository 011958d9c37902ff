"""Helpers shared by the workspace views: scoped lookups (404 outside the viewer's areas)."""

from __future__ import annotations

from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from mutualaid.extensions import db
from mutualaid.models import Need, Person, Pod
from mutualaid.policy import coordinates_need, sees_person
from mutualaid.web.access import safe_next
from mutualaid.web.security import form_id


def me() -> Person:
    user: Person = current_user._get_current_object()  # flask_login is untyped
    return user


def scoped_need(need_id: int) -> Need:
    """The need if the viewer coordinates it (a neighboring area's coordinator while it is
    escalated: mutualaid.policy.coordinates_need), else 404."""
    need = db.session.get(Need, need_id)
    if need is None or not coordinates_need(current_user, need):
        abort(404)
    return need


def scoped_pod(pod_id: int) -> Pod:
    pod = db.session.get(Pod, pod_id)
    if pod is None or not coordinates_need(current_user, pod.need):
        abort(404)
    return pod


def person_or_404(person_id: int | None) -> Person:
    """The person, or 404 (also for ids no integer column can hold)."""
    return db.session.get(Person, form_id(person_id)) or abort(404)


def arg_id(name: str) -> int | None:
    """An id from the query string; None when absent, 0 (matches nothing) when out of range."""
    value = request.args.get(name, type=int)
    return None if value is None else form_id(value)


def scoped_person(person_id: int | None) -> Person:
    """A person the viewer may see (mutualaid.policy), else 404: existence is not
    revealed to coordinators of other areas."""
    person = db.session.get(Person, person_id) if person_id is not None else None
    if person is None or not sees_person(db.session, current_user, person):
        abort(404)
    return person


def back(default_endpoint: str, **kw):
    return redirect(safe_next(request.form.get("next")) or url_for(default_endpoint, **kw), 303)


def page_arg() -> int:
    """The ?page= number, 1..100,000 (a huge page overflowed the database's OFFSET)."""
    return min(max(request.args.get("page", 1, type=int) or 1, 1), 100_000)


def workspace_endpoints() -> dict:
    """Template context: which workspace pages exist (the SMS inbox arrives with SMS)."""
    return {"workspace_endpoints": set(current_app.view_functions)}
