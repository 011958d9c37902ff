"""Issue 16, finding 8: one neighbor posted 23 needs through the API in a minute and used up
a helper's daily text budget. Now a person may post NEED_POSTS_PER_HOUR needs an hour, on
the web, through the API and by text alike; the next one is refused with a clear message."""

from __future__ import annotations

from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import Need
from tests.conftest import text_of
from tests.sms.conftest import settings_override as _settings_override

settings_override = _settings_override  # the fixture, shared with the SMS tests

FORM = {
    "category": "groceries",
    "urgency": "today",
    "people_needed": "1",
    "details": "milk",
    "location": "11211",
    "contact_preference": "web",
}


def _needs_of(person) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Need).where(Need.requester_id == person.id)
    )


def test_the_web_form_refuses_the_post_over_the_hourly_limit(
    neighbor_client, neighbor, settings_override
):
    settings_override(need_posts_per_hour=2)
    for _ in range(2):
        neighbor_client.submit("/needs/new", FORM)
    page = neighbor_client.submit("/needs/new", FORM, follow_redirects=True)
    assert "times in the last hour" in text_of(page)
    assert _needs_of(neighbor) == 2


def test_texts_are_limited_the_same_way(phone, settings_override):
    settings_override(need_posts_per_hour=2)
    ana = phone()
    for _ in range(2):
        assert any("Got it: need" in r for r in ana.text("NEED groceries 11211"))
    replies = ana.text("NEED groceries 11211")
    assert any("times in the last hour" in r for r in replies), replies
    assert _needs_of(ana.person) == 2


def test_zero_means_no_limit(neighbor_client, neighbor, settings_override):
    settings_override(need_posts_per_hour=0)
    for _ in range(8):
        neighbor_client.submit("/needs/new", FORM)
    assert _needs_of(neighbor) == 8
