"""Public snapping: the exact point is replaced by the centre of a fixed grid cell.

The grid is fixed on the globe (rows of equal height in latitude, columns whose width in
degrees depends only on the row), so the snapped point is a pure function of the exact point
and the cell size. Moving the exact point within a cell gives the same answer every time;
repeated edits cannot be averaged back to the true location.
"""

from __future__ import annotations

import math

METERS_PER_DEGREE_LAT = 111_320.0
DEFAULT_CELL_M = 500


def snap(lat: float, lng: float, cell_m: float = DEFAULT_CELL_M) -> tuple[float, float]:
    """Centre of the grid cell (about ``cell_m`` metres on a side) containing (lat, lng)."""
    if cell_m <= 0:
        raise ValueError("cell size must be positive")
    lat_step = cell_m / METERS_PER_DEGREE_LAT
    row = math.floor((lat + 90.0) / lat_step)
    centre_lat = min(90.0, -90.0 + (row + 0.5) * lat_step)
    # The column width depends on the row only, never on the exact point.
    # Whole columns per row, so the row wraps evenly at the antimeridian.
    cos_lat = max(0.01, math.cos(math.radians(centre_lat)))
    columns = max(1, math.floor(360.0 / (lat_step / cos_lat)))
    lng_step = 360.0 / columns
    col = math.floor(((lng + 180.0) % 360.0) / lng_step) % columns
    centre_lng = -180.0 + (col + 0.5) * lng_step
    return round(centre_lat, 6), round(centre_lng, 6)
