"""Offline postal-code centroids.

United States: the ``zipcodes`` package ships every ZIP code with a centroid, offline.
No equivalent offline data for other countries is installed (see docs/decisions.md):
for them this geocoder declines every query and the chain moves on to Nominatim, which
understands postal codes too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import zipcodes

US_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")


@dataclass(frozen=True)
class PostalPlace:
    code: str
    lat: float
    lng: float
    display: str


def supports(country: str) -> bool:
    return country.upper() == "US"


def looks_like_postal_code(text: str, country: str) -> bool:
    return supports(country) and bool(US_ZIP.match(text or ""))


def lookup(text: str, country: str) -> PostalPlace | None:
    """The centroid of a postal code, or None if this country's codes are unknown offline
    or the code does not exist."""
    match = US_ZIP.match(text or "")
    if not supports(country) or not match:
        return None
    code = match.group(1)
    try:
        rows = zipcodes.matching(code)
    except (TypeError, ValueError):
        return None
    for row in rows:
        if row.get("lat") and row.get("long"):
            return PostalPlace(
                code=code,
                lat=float(row["lat"]),
                lng=float(row["long"]),
                display=f"{code} {row.get('city', '')}, {row.get('state', '')}".strip(),
            )
    return None
