"""NUL characters in JSON bodies: PostgreSQL cannot store them in text columns; the API
answers a 4xx problem document, never a 500, and stores nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import Need, Offer, PodMessage


def _counts():
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (Need, Offer, PodMessage)
    )


def test_nul_in_json_text_is_a_4xx(api_as, neighbor):
    api = api_as(neighbor)
    before = _counts()
    response = api.post(
        "/needs",
        {
            "category": "groceries",
            "urgency": "today",
            "details": "milk\u0000bread",
            "location": "40.71,-73.95",
        },
    )
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)
    assert _counts() == before
