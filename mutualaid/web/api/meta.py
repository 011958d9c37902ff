"""API: areas, categories, the caller (`/me`), the OpenAPI document and its docs page."""

from __future__ import annotations

from typing import cast

from flask import Response, json, render_template
from sqlalchemy import select

from mutualaid import categories
from mutualaid.extensions import db
from mutualaid.models import Area, Person
from mutualaid.web.api import schemas as s
from mutualaid.web.api.auth import current_token
from mutualaid.web.api.blueprint import bp
from mutualaid.web.api.openapi import openapi_document
from mutualaid.web.api.problems import TYPES, ApiProblem
from mutualaid.web.api.registry import OPERATIONS, operation
from mutualaid.web.api.serialize import area_ref


def _area_out(area: Area) -> s.AreaOut:
    return s.AreaOut(
        id=area.id,
        slug=area.slug,
        name=area.name,
        center=s.Point(lat=area.center_lat, lng=area.center_lng),
        radius_km=area.radius_km,
        timezone=area.timezone,
        units=area.units,
    )


@operation("/areas", "GET", summary="Areas", response=s.AreaList)
def list_areas(me: Person) -> s.AreaList:
    """Every neighborhood with its own coordinators (public information)."""
    rows = db.session.scalars(select(Area).order_by(Area.name, Area.id))
    return s.AreaList(items=[_area_out(a) for a in rows])


@operation("/areas/{area_id}", "GET", summary="One area", response=s.AreaOut)
def get_area(me: Person, area_id: int) -> s.AreaOut:
    area = db.session.get(Area, area_id)
    if area is None:
        raise ApiProblem(404, "not-found")
    return _area_out(area)


@operation("/categories", "GET", summary="Categories", response=s.CategoryList)
def list_categories(me: Person) -> s.CategoryList:
    """The category keys needs and offers use, with English and Spanish names; new needs and
    offers may use the active ones."""
    return s.CategoryList(
        items=[
            s.CategoryOut(
                key=c.key,
                name=c.en,
                name_es=c.es,
                default_people_needed=c.people_needed,
                active=c.active,
            )
            for c in categories.all_categories()
        ]
    )


@operation("/me", "GET", summary="You", response=s.MeOut)
def get_me(me: Person) -> s.MeOut:
    """Your own account (your phone and email are yours to see) and the token in use."""
    token = current_token()
    assert token is not None  # the operation wrapper authenticated the request
    return s.MeOut(
        id=me.id,
        name=me.name,
        email=me.email,
        phone=me.phone,
        role=cast(s.Role, me.role),  # one of ROLES; pydantic validates it again
        language=me.language,
        sms_preference=me.sms_preference,
        coordinator_of=[area_ref(a) for a in me.areas] if me.is_coordinator else [],
        token=s.TokenRef(id=token.id, name=token.name, prefix=token.prefix),
    )


@bp.route("/openapi.json")
def openapi_json() -> Response:
    """Public: the machine-readable description of this API."""
    return Response(json.dumps(openapi_document()), mimetype="application/json")


@bp.route("/docs")
def docs() -> str:
    """Public: the same document as a page for people (server-rendered, no scripts)."""
    return render_template(
        "api/docs.html",
        operations=sorted(OPERATIONS, key=lambda o: (o.tag, o.path, o.method)),
        problem_types=TYPES,
        document=openapi_document(),
    )
