"""Public snapping is deterministic: every point in a cell maps to the same centre."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualaid.geo.distance import haversine_km
from mutualaid.geo.grid import snap

lats = st.floats(min_value=-84, max_value=84, allow_nan=False)
lngs = st.floats(min_value=-180, max_value=180, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(lats, lngs)
def test_snapped_point_is_within_half_a_cell_diagonal(lat, lng):
    s_lat, s_lng = snap(lat, lng, 500)
    # half the diagonal of a 500 m cell is ~354 m; allow rounding
    assert haversine_km(lat, lng, s_lat, s_lng) <= 0.36


@settings(max_examples=300, deadline=None)
@given(lats, lngs)
def test_snapping_is_idempotent(lat, lng):
    once = snap(lat, lng, 500)
    assert snap(*once, 500) == once


def test_points_in_one_cell_share_a_centre_so_edits_cannot_be_averaged():
    home = (40.71234, -73.96123)
    centre = snap(*home)
    # Many small "edits" around the true point: all answers are the same cell centre,
    # so averaging them gives the centre, not the home.
    answers = {snap(home[0] + d, home[1] + e) for d in (-1e-5, 0, 1e-5) for e in (-1e-5, 0, 1e-5)}
    assert answers == {centre}
    assert haversine_km(*home, *centre) > 0.01  # the centre is not the home


def test_cell_size_is_configurable():
    a, b = snap(40.71234, -73.96123, 500), snap(40.71234, -73.96123, 2000)
    assert a != b
    assert haversine_km(40.71234, -73.96123, *b) <= 1.45


def test_neighbouring_cells_are_about_one_cell_apart():
    lat_step = 500 / 111_320
    c1 = snap(40.7100, -73.9600)
    c2 = snap(40.7100 + lat_step, -73.9600)
    assert math.isclose(haversine_km(*c1, *c2), 0.5, rel_tol=0.02)


def test_bad_cell_size_is_refused():
    with pytest.raises(ValueError):
        snap(40.7, -73.9, 0)
