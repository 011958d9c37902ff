"""The coordinator map page: Leaflet (static/vendor/leaflet, installed by ``make install``)
drawn by static/js/coordinator-map.js from a JSON block, over the no-JavaScript SVG plot.

Tiles load straight from MAP_TILE_URL's host, so this page (only this one) widens the
Content-Security-Policy's ``img-src`` to that host. Scripts stay same-origin.
"""

from __future__ import annotations

from flask import Response, current_app, make_response, render_template, url_for

from mutualaid.categories import name_of
from mutualaid.i18n import _, current_language
from mutualaid.models import Area
from mutualaid.settings import map_tile_origin
from mutualaid.web.security import csp_with_images
from mutualaid.workspace.reports import MapView


def payload(view: MapView) -> dict[str, object]:
    """What the map script draws: the area, the needs (at the positions the viewer may see)
    and the offer-density cells, plus the tile server and the few words it shows."""
    settings = current_app.config["MUTUALAID"]
    south, north, west, east = view.bounds
    lang = current_language()
    cell_lat, cell_lng = (north - south) / view.size, (east - west) / view.size
    cells = [
        {
            "bounds": [
                [north - (r + 1) * cell_lat, west + c * cell_lng],
                [north - r * cell_lat, west + (c + 1) * cell_lng],
            ],
            "needs": n,
            "offers": o,
            "label": _("%(n)s open needs, %(o)s active offers", n=n, o=o),
        }
        for r, row in enumerate(view.grid)
        for c, (n, o) in enumerate(row)
        if n or o
    ]
    return {
        "tiles": {"url": settings.map_tile_url, "attribution": settings.map_tile_attribution},
        "area": {
            "name": view.area.name,
            "lat": view.area.center_lat,
            "lng": view.area.center_lng,
            "radius_m": view.area.radius_km * 1000,
        },
        "bounds": [[south, west], [north, east]],
        "exact": view.exact,
        "needs": [
            {
                "lat": p.lat,
                "lng": p.lng,
                "label": f"{p.code} · {name_of(p.category, lang)}",
                "url": url_for("coordinate.need", need_id=p.need_id),
            }
            for p in view.pins
        ],
        "cells": cells,
        "most_offers": max([o for row in view.grid for _n, o in row] or [0]),
        "words": {"map": _("Map of needs and offer density")},
    }


def render(areas: list[Area], area: Area | None, view: MapView | None, can_exact: bool) -> Response:
    html = render_template(
        "coordinate/map.html",
        areas=areas,
        area=area,
        view=view,
        can_exact=can_exact,
        map_data=payload(view) if view is not None else None,
    )
    response = make_response(html)
    origin = map_tile_origin(current_app.config["MUTUALAID"].map_tile_url)
    if origin:
        response.headers["Content-Security-Policy"] = csp_with_images(origin)
    return response
