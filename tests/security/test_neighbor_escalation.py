"""Issue 17: a neighboring area's coordinator sees an escalated need's exact address only
while it is escalated to them; a far-away coordinator never. Crawled like the PII scan
(every GET page, then every on-site link), so no page is forgotten."""

from __future__ import annotations

import pytest

from mutualaid.extensions import db
from mutualaid.models.needs import STATUS_MATCHING
from mutualaid.policy import can_see_private, coordinates_need, escalated_to, pod_role
from tests.conftest import login_as
from tests.factories import make_area, make_person
from tests.security import test_pii_leaks as scan
from tests.security.scene import ADDRESS, build_scene


def _leaks(pages: dict[str, str]) -> list[str]:
    found = []
    for url, body in pages.items():
        if ADDRESS in body or "Berry St" in body:
            found.append(f"{url}: exact address")
        for pattern in scan._coordinate_patterns():
            if pattern.search(body):
                found.append(f"{url}: exact coordinate {pattern.pattern}")
    return sorted(set(found))


@pytest.fixture
def world():
    scene = build_scene()
    # Greenpoint: a 2 km circle whose edge is about 1 km from Williamsburg's (3 km).
    greenpoint = make_area(name="Greenpoint", center_lat=40.7630, center_lng=-73.9571, radius_km=2)
    nell = make_person("coordinator", name="Nell Nextdoor", phone="+15550100008")
    nell.areas.append(greenpoint)
    db.session.flush()
    scan.SCENE_ARGS[0] = scene.url_args()
    return scene, nell


def _escalate(need) -> None:
    need.status = STATUS_MATCHING
    need.unmatched_reason = "No groceries offers within 12 km"
    db.session.flush()


def test_the_neighbor_sees_the_exact_address_only_while_escalated(app, world):
    scene, nell = world
    client = login_as(app.test_client(), nell)
    assert _leaks(scan.crawl(app, client)) == []  # not escalated: nothing
    _escalate(scene.need)
    assert escalated_to(nell, scene.need) and can_see_private(nell, scene.need)
    assert pod_role(db.session, scene.pod, nell) == "staff"
    pages = scan.crawl(app, client)
    assert any(ADDRESS in body for body in pages.values())  # the scan is not blind
    scene.need.unmatched_reason = ""  # a helper was found
    db.session.flush()
    assert not coordinates_need(nell, scene.need)
    assert not can_see_private(nell, scene.need)
    assert pod_role(db.session, scene.pod, nell) is None
    pages = scan.crawl(app, client)
    assert _leaks(pages) == []
    for other, person in scene.people.items():
        for form in scan._phone_forms(person.phone) if person else ():
            assert not any(form in body for body in pages.values()), other


def test_a_far_away_coordinator_never_sees_it(app, world):
    scene, _nell = world
    far = scene.people["other_coordinator"]  # Far Rockaway, about 20 km away
    _escalate(scene.need)
    assert not escalated_to(far, scene.need) and not can_see_private(far, scene.need)
    assert _leaks(scan.crawl(app, login_as(app.test_client(), far))) == []


def test_a_resolved_need_with_a_stale_reason_is_not_escalated(app, world):
    """The reason may outlive the search (a closed need keeps it): only a need still looking
    for helpers reaches the neighbors."""
    scene, nell = world
    _escalate(scene.need)
    scene.need.status = "resolved"
    db.session.flush()
    assert not escalated_to(nell, scene.need)
    assert _leaks(scan.crawl(app, login_as(app.test_client(), nell))) == []
