"""Builders for coordinator-workspace tests: two areas, a coordinator for each."""

from __future__ import annotations

from dataclasses import dataclass

from mutualaid.extensions import db
from mutualaid.models import Area, Person
from tests.factories import make_area, make_person
from tests.pod_scene import HOME


@dataclass
class Scene:
    east: Area
    west: Area
    lee: Person  # coordinates east
    wes: Person  # coordinates west


def two_areas(coordinator: Person) -> Scene:
    """``coordinator`` (Lee) looks after "Eastside" around HOME; Wes after "Westside",
    20 km away."""
    east = make_area(name="Eastside", center_lat=HOME[0], center_lng=HOME[1], radius_km=5)
    west = make_area(name="Westside", center_lat=HOME[0], center_lng=HOME[1] - 0.25, radius_km=5)
    wes = make_person("coordinator", name="Wes West")
    coordinator.areas.append(east)
    wes.areas.append(west)
    db.session.flush()
    return Scene(east, west, coordinator, wes)
