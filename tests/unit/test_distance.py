import math

from geopy.distance import great_circle
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualaid.geo.distance import bounding_boxes, haversine_km, in_boxes

lat = st.floats(min_value=-89.9, max_value=89.9, allow_nan=False)
lng = st.floats(min_value=-180.0, max_value=180.0, allow_nan=False)
radius = st.floats(min_value=0.0, max_value=60.0, allow_nan=False)


def test_known_distance_williamsburg_to_greenpoint():
    # About 2.5 km by the map.
    assert 2.3 < haversine_km(40.7081, -73.9571, 40.7304, -73.9515) < 2.7


@given(lat, lng, lat, lng)
def test_haversine_agrees_with_geopy_great_circle(a, b, c, d):
    ours = haversine_km(a, b, c, d)
    theirs = great_circle((a, b), (c, d)).km
    assert math.isclose(ours, theirs, rel_tol=1e-3, abs_tol=1e-6)


@settings(max_examples=300)
@given(lat, lng, radius, st.floats(0, 360), st.floats(0, 1))
def test_every_point_within_the_radius_is_inside_a_box(clat, clng, r, bearing, frac):
    # Walk a fraction of the radius in some direction; the point must be in the boxes.
    d = r * frac
    from geopy.distance import great_circle as gc

    p = gc(kilometers=d).destination((clat, clng), bearing)
    boxes = bounding_boxes(clat, clng, r + 1e-6)
    assert in_boxes(p.latitude, p.longitude, boxes), (clat, clng, r, p)


def test_antimeridian_splits_the_box():
    boxes = bounding_boxes(0.0, 179.99, 5.0)
    assert len(boxes) == 2
    assert in_boxes(0.0, -179.99, boxes) and in_boxes(0.0, 179.98, boxes)
    assert not in_boxes(0.0, 0.0, boxes)


def test_near_the_pole_all_longitudes_are_in_reach():
    boxes = bounding_boxes(89.99, 10.0, 5.0)
    assert in_boxes(89.97, -170.0, boxes)
