"""The coordinators' queue and need detail: scope, order, colours, filters, pagination at
10,000 needs, suggestions with reasons and one-click invitations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from benchmarks.naive_queue import naive_queue_page
from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Membership, Need, Notification, utcnow
from mutualaid.models.pods import INVITED
from mutualaid.pods.formation import start_pod
from mutualaid.workspace.queue import queue_page
from tests.conftest import login_as, text_of
from tests.coordinate_scene import two_areas
from tests.factories import _code, make_person
from tests.pod_scene import HOME, helpers_at, make_need


@pytest.fixture
def scene(coordinator):
    return two_areas(coordinator)


def test_queue_shows_own_areas_unmatched_first_then_oldest(coordinator_client, scene, neighbor):
    now = utcnow()
    east = scene.east.id
    old = make_need(neighbor, code="OLD1", area_id=east, created_at=now - timedelta(days=6))
    new = make_need(neighbor, code="NEW1", area_id=east, created_at=now - timedelta(hours=2))
    lost = make_need(
        neighbor,
        code="LOST",
        area_id=scene.east.id,
        created_at=now - timedelta(hours=1),
        unmatched_reason="No groceries offers within 10 km",
    )
    make_need(neighbor, code="WEST", area_id=scene.west.id)
    page = coordinator_client.get("/coordinate/")
    assert page.status_code == 200
    text = text_of(page)
    assert "WEST" not in text  # another area's need is not in Lee's queue
    assert text.index("LOST") < text.index("OLD1") < text.index("NEW1")
    assert "No groceries offers within 10 km" in text
    html = page.get_data(as_text=True)
    assert 'class="age-red' in html and 'class="age-green unmatched' in html
    result = queue_page(db.session, scene.lee)
    colours = {r.need.code: r.colour for r in result.rows}
    assert colours == {"LOST": "green", "OLD1": "red", "NEW1": "green"}
    assert [r.need.id for r in result.rows] == [lost.id, old.id, new.id]


def test_admin_sees_every_area_and_filters_work(admin_client, scene, neighbor):
    make_need(neighbor, code="EAS1", area_id=scene.east.id, category="groceries")
    make_need(neighbor, code="WES1", area_id=scene.west.id, category="childcare")
    text = text_of(admin_client.get("/coordinate/"))
    assert "EAS1" in text and "WES1" in text
    text = text_of(admin_client.get(f"/coordinate/?area={scene.west.id}"))
    assert "WES1" in text and "EAS1" not in text
    text = text_of(admin_client.get("/coordinate/?category=groceries"))
    assert "EAS1" in text and "WES1" not in text
    text = text_of(admin_client.get("/coordinate/?status=resolved"))
    assert "EAS1" not in text and "WES1" not in text


def test_queue_shows_invitations_out_and_seats(coordinator_client, scene, neighbor):
    helpers_at(0.5, 1.0, 1.5)
    need = make_need(neighbor, code="PODQ", area_id=scene.east.id, people_needed=2)
    pod = start_pod(db.session, need)
    out = db.session.scalar(
        select(db.func.count()).where(Membership.pod_id == pod.id, Membership.status == INVITED)
    )
    assert out > 0
    assert f"{out} out · 0/2 seated" in text_of(coordinator_client.get("/coordinate/"))


def test_pagination_over_10000_open_needs_is_complete_and_ordered(app, scene, neighbor):
    now = utcnow()
    rows = []
    for i in range(10_000):
        rows.append(
            {
                "code": _code(200_000 + i),
                "requester_id": neighbor.id,
                "area_id": scene.east.id if i % 10 else scene.west.id,
                "category": "groceries",
                "urgency": "today",
                "people_needed": 1,
                "status": "open",
                "details": "",
                "contact_preference": "web",
                "unmatched_reason": "nobody" if i % 97 == 0 else "",
                # Some share a timestamp so the id tie-break matters.
                "created_at": now - timedelta(minutes=(i * 7919) % 5000),
                "address_text": "",
                "location_status": "none",
            }
        )
    db.session.execute(insert(Need), rows)
    db.session.flush()
    expected = naive_queue_page(db.session, scene.lee, page=1, per_page=20_000)
    assert len(expected) == 9_000
    seen = []
    page = 1
    while True:
        result = queue_page(db.session, scene.lee, page=page, per_page=700, now=now)
        assert result.total == 9_000
        if not result.rows:
            break
        seen.extend(r.need.id for r in result.rows)
        page += 1
    assert page - 1 == result.pages == 13
    assert seen == [n.id for n in expected]
    assert len(set(seen)) == 9_000
    # The web page shows the first 50 and the right page count.
    client = login_as(app.test_client(), scene.lee)
    text = text_of(client.get("/coordinate/?page=2"))
    assert "Page 2 of 180" in text


def test_need_detail_lists_suggestions_with_reasons_and_invites_one(
    coordinator_client, scene, neighbor
):
    helpers = helpers_at(0.5, 1.0)
    need = make_need(neighbor, code="DET1", area_id=scene.east.id, people_needed=1)
    page = coordinator_client.get(f"/coordinate/needs/{need.id}")
    text = text_of(page)
    assert "12 Berry St" in text  # the coordinator of the area sees the exact address
    assert helpers[0].name in text and "km" in text
    assert "Invite Helper0" in text
    response = coordinator_client.submit(
        f"/coordinate/needs/{need.id}/invite", {"person_id": str(helpers[1].id)}
    )
    assert response.status_code == 303
    membership = db.session.scalar(select(Membership).where(Membership.person_id == helpers[1].id))
    assert membership is not None and membership.status == INVITED
    assert membership.reasons  # the matcher's reasons travel with the invitation
    assert db.session.get(Need, need.id).status == "forming"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "pod.invited"))
    assert _notes(helpers[1], "invitation")


def _notes(person, kind):
    return db.session.scalars(
        select(Notification.text).where(
            Notification.person_id == person.id, Notification.kind == kind
        )
    ).all()


def test_another_areas_coordinator_gets_404_on_need(app, scene, neighbor):
    need = make_need(neighbor, code="PRIV", area_id=scene.east.id)
    wes = login_as(app.test_client(), scene.wes)
    assert wes.get(f"/coordinate/needs/{need.id}").status_code == 404
    assert wes.submit(f"/coordinate/needs/{need.id}/cancel").status_code == 404


def test_invite_of_a_non_suggestion_is_refused(coordinator_client, scene, neighbor):
    need = make_need(neighbor, code="NOSG", area_id=scene.east.id)
    stranger = make_person(name="Far Away")
    page = coordinator_client.submit(
        f"/coordinate/needs/{need.id}/invite",
        {"person_id": str(stranger.id)},
        follow_redirects=True,
    )
    assert "no longer a suggestion" in text_of(page)
    assert db.session.scalar(select(Membership).where(Membership.person_id == stranger.id)) is None


def test_widen_contact_edit_and_cancel(coordinator_client, scene, neighbor):
    need = make_need(neighbor, code="ACT1", area_id=scene.east.id, search_radius_km=3.0)
    page = coordinator_client.submit(f"/coordinate/needs/{need.id}/widen", follow_redirects=True)
    assert "Now searching within" in text_of(page)
    assert db.session.get(Need, need.id).search_radius_km > 3.0

    coordinator_client.submit(f"/coordinate/needs/{need.id}/contact", {"message": "Still need it?"})
    assert any("Still need it?" in t for t in _notes(neighbor, "coordinator_message"))

    page = coordinator_client.submit(
        f"/coordinate/needs/{need.id}/edit",
        {"category": "meals", "urgency": "week", "people_needed": "x", "details": "soup"},
        follow_redirects=True,
    )
    assert "whole number" in text_of(page)  # bad input: a message, not a 500
    coordinator_client.submit(
        f"/coordinate/needs/{need.id}/edit",
        {"category": "meals", "urgency": "week", "people_needed": "3", "details": "soup"},
    )
    need = db.session.get(Need, need.id)
    assert (need.category, need.urgency, need.people_needed, need.details) == (
        "meals",
        "week",
        3,
        "soup",
    )
    coordinator_client.submit(f"/coordinate/needs/{need.id}/cancel", {"reason": "duplicate"})
    assert db.session.get(Need, need.id).status == "cancelled"
    actions = set(db.session.scalars(select(AuditEvent.action)))
    wanted = {"need.radius_widened", "need.requester_contacted", "need.edited", "need.cancelled"}
    assert wanted <= actions


def test_need_without_area_is_in_every_coordinators_queue(coordinator_client, scene, neighbor):
    make_need(neighbor, code="NOAR", where=(HOME[0] + 1, HOME[1]))
    assert "NOAR" in text_of(coordinator_client.get("/coordinate/"))
