"""Cursor pagination and the ``near=lat,lng&radius_km=`` filter shared by list endpoints.

Lists are newest first by id. A cursor is the opaque (base64url JSON) id of the last row
of the previous page. ``near`` only ever compares snapped public points, so a filter can
never be used to triangulate an exact address.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any

from flask import json
from sqlalchemy import Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute

from mutualaid.extensions import db
from mutualaid.geo.distance import bounding_boxes, haversine_km
from mutualaid.i18n import _
from mutualaid.web.api.problems import ApiProblem, field_error
from mutualaid.web.api.schemas import MAX_ID


def encode_cursor(last_id: int) -> str:
    raw = json.dumps({"before": last_id}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))["before"]
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_ID:
            return value
    except (ValueError, KeyError, TypeError, UnicodeEncodeError, binascii.Error):
        pass
    raise ApiProblem(
        422,
        "validation-error",
        _("That cursor is not one this API gave out."),
        errors=[field_error(["cursor"], _("Use next_cursor from the previous page."))],
    )


def parse_near(near: str | None) -> tuple[float, float] | None:
    if not near:
        return None
    lat_text, _sep, lng_text = near.partition(",")
    lat, lng = float(lat_text), float(lng_text)
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        raise ApiProblem(
            422,
            "validation-error",
            errors=[field_error(["near"], _("Latitude -90..90 and longitude -180..180."))],
        )
    return lat, lng


def near_clause(lat_col: InstrumentedAttribute, lng_col: InstrumentedAttribute, origin, radius):
    boxes = bounding_boxes(origin[0], origin[1], radius)
    return or_(
        *(
            and_(lat_col.between(b.min_lat, b.max_lat), lng_col.between(b.min_lng, b.max_lng))
            for b in boxes
        )
    )


def within(origin: tuple[float, float] | None, radius: float, lat, lng) -> bool:
    if origin is None:
        return True
    return lat is not None and haversine_km(origin[0], origin[1], lat, lng) <= radius


def paginate(
    query: Select,
    id_col: InstrumentedAttribute,
    *,
    limit: int,
    cursor: str | None,
    keep: Callable[[Any], bool] = lambda row: True,
) -> tuple[list[Any], str | None]:
    """Rows newest first after ``cursor``; ``keep`` drops rows a coarse SQL filter let
    through (e.g. outside the exact radius). Returns (rows, next cursor or None)."""
    before = decode_cursor(cursor)
    out: list[Any] = []
    batch = max(limit * 2, 20)
    while True:
        q = query.order_by(id_col.desc()).limit(batch + 1)
        if before is not None:
            q = q.where(id_col < before)
        rows = list(db.session.scalars(q))
        more = len(rows) > batch
        for row in rows[:batch]:
            before = row.id
            if keep(row):
                out.append(row)
                if len(out) == limit:
                    return out, encode_cursor(row.id) if (more or row is not rows[-1]) else None
        if not more:
            return out, None
