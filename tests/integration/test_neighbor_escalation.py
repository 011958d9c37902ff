"""Issue 17: when the widest radius finds nobody, coordinators of neighboring areas see the
escalated need in their queue (marked with where it comes from), can open it and act on it
as its own coordinators can, while it is escalated; never the area's other needs. The API
says the same as the web."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from mutualaid.areas import neighbor_coordinators, tell_neighbor_coordinators
from mutualaid.extensions import db
from mutualaid.models import Area, Need, Notification, Person, Pod, SmsMessage, utcnow
from mutualaid.notify import gets_texts
from mutualaid.pods.formation import start_pod
from mutualaid.policy import NEIGHBOR_GAP_KM, escalated_to, neighbor_area_ids
from mutualaid.workspace.queue import queue_page
from tests.api.conftest import ApiClient
from tests.conftest import login_as, text_of
from tests.coordinate_scene import two_areas
from tests.factories import make_area, make_person, make_token
from tests.pod_scene import make_helper, make_need, offset

ADDRESS = "12 Berry St, Brooklyn"


@dataclass
class Neighbors:
    east: Area  # the need's area (Lee)
    north: Area  # a neighbor: edges 2 km apart (Nora)
    west: Area  # far away: edges 11 km apart (Wes)
    lee: Person
    nora: Person
    wes: Person


@pytest.fixture
def hood(coordinator) -> Neighbors:
    scene = two_areas(coordinator)  # Eastside around HOME (5 km), Westside 21 km west
    lat, lng = offset(12.0)
    north = make_area(name="Northside", center_lat=lat, center_lng=lng, radius_km=5)
    nora = make_person("coordinator", name="Nora North")
    nora.areas.append(north)
    db.session.flush()
    return Neighbors(scene.east, north, scene.west, scene.lee, nora, scene.wes)


def _escalated(hood: Neighbors, requester, code="ESC1") -> tuple[Need, Pod]:
    """A need in Eastside with nobody in reach: the widest radius finds nobody."""
    need = make_need(requester, code=code, area_id=hood.east.id, people_needed=1, address=ADDRESS)
    pod = start_pod(db.session, need)
    assert need.unmatched_reason and need.escalated
    return need, pod


def test_the_neighbor_definition(hood):
    """Circles overlapping or at most NEIGHBOR_GAP_KM apart, edge to edge."""
    assert NEIGHBOR_GAP_KM == 5.0
    need = make_need(make_person(), code="DEF1", area_id=hood.east.id)
    assert neighbor_area_ids(db.session, need) == [hood.north.id]
    # Just inside and just outside the gap: Eastside's edge is 5 km north of HOME.
    lat_in, lng = offset(5 + 4.8 + 1.0)  # a 1 km area whose edge is 4.8 km away
    lat_out, _ = offset(5 + 5.3 + 1.0)
    inside = make_area(name="Inside", center_lat=lat_in, center_lng=lng, radius_km=1.0)
    outside = make_area(name="Outside", center_lat=lat_out, center_lng=lng, radius_km=1.0)
    ids = neighbor_area_ids(db.session, need)
    assert inside.id in ids and outside.id not in ids and hood.east.id not in ids


def test_before_escalation_the_neighbor_sees_nothing(app, hood, neighbor):
    make_helper("Near Helper", 0.5)
    need = make_need(neighbor, code="NOT1", area_id=hood.east.id, people_needed=1)
    start_pod(db.session, need)  # someone nearby was invited: not escalated
    assert not need.unmatched_reason
    nora = login_as(app.test_client(), hood.nora)
    assert "NOT1" not in text_of(nora.get("/coordinate/"))
    assert nora.get(f"/coordinate/needs/{need.id}").status_code == 404
    assert not escalated_to(hood.nora, need)


def test_the_neighbor_sees_the_escalated_need_marked_and_can_open_it(app, hood, neighbor):
    need, pod = _escalated(hood, neighbor)
    other = make_need(neighbor, code="OTH1", area_id=hood.east.id)  # not escalated
    nora = login_as(app.test_client(), hood.nora)
    queue = text_of(nora.get("/coordinate/"))
    assert "ESC1" in queue and "From Eastside: nobody found nearby." in queue
    assert "OTH1" not in queue  # the area's other needs stay its own
    rows = queue_page(db.session, hood.nora).rows
    assert [(r.need.code, r.from_area) for r in rows] == [("ESC1", "Eastside")]
    page = nora.get(f"/coordinate/needs/{need.id}")
    assert page.status_code == 200
    assert ADDRESS in text_of(page)  # the exact address, while escalated to her
    assert "From Eastside: nobody found nearby." in text_of(page)
    assert nora.get(f"/coordinate/pods/{pod.id}").status_code == 200
    assert nora.get(f"/pods/{pod.id}").status_code == 200
    assert nora.get(f"/coordinate/needs/{other.id}").status_code == 404
    # Its own coordinator's queue shows it as before, without "From".
    lee_queue = text_of(login_as(app.test_client(), hood.lee).get("/coordinate/"))
    assert "ESC1" in lee_queue and "From Eastside" not in lee_queue


def test_a_far_away_coordinator_does_not_see_it(app, hood, neighbor):
    need, pod = _escalated(hood, neighbor)
    wes = login_as(app.test_client(), hood.wes)
    assert "ESC1" not in text_of(wes.get("/coordinate/"))
    assert wes.get(f"/coordinate/needs/{need.id}").status_code == 404
    assert wes.get(f"/coordinate/pods/{pod.id}").status_code == 404
    assert wes.get(f"/pods/{pod.id}").status_code == 404
    assert queue_page(db.session, hood.wes).rows == []


def test_the_neighbor_invites_one_of_their_people_and_it_leaves_their_queue(app, hood, neighbor):
    need, _pod = _escalated(hood, neighbor)
    # Nora's helper lives 14 km north: beyond the widest radius (12 km) for "today".
    far = make_helper("Fran Farther", 14.0, radius_km=20, home_area_id=hood.north.id)
    nora = login_as(app.test_client(), hood.nora)
    page = nora.get(f"/coordinate/needs/{need.id}?radius=15")
    assert "Fran Farther" in text_of(page)
    done = nora.submit(f"/coordinate/needs/{need.id}/invite", {"person_id": far.id, "radius": "15"})
    assert done.status_code == 303
    db.session.refresh(need)
    assert need.unmatched_reason == "" and not need.escalated
    assert "ESC1" not in text_of(nora.get("/coordinate/"))
    assert nora.get(f"/coordinate/needs/{need.id}").status_code == 404
    assert queue_page(db.session, hood.nora).rows == []


def test_the_neighbor_adds_one_of_their_people_to_the_group(app, hood, neighbor):
    need, pod = _escalated(hood, neighbor)
    own = make_person(name="Olu Own", home_area_id=hood.north.id)
    nora = login_as(app.test_client(), hood.nora)
    done = nora.submit(
        f"/coordinate/pods/{pod.id}/members/add", {"who": str(own.id), "reason": "asked"}
    )
    assert done.status_code == 303
    db.session.refresh(pod)
    db.session.refresh(need)
    assert pod.seats_taken == 1 and not need.escalated  # the group is complete
    assert "ESC1" not in text_of(nora.get("/coordinate/"))
    assert nora.get(f"/coordinate/pods/{pod.id}").status_code == 404


def _nearby_notes() -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification)
            .where(Notification.kind == "need_unmatched_nearby")
            .order_by(Notification.person_id)
        )
    )


def test_neighbor_coordinators_get_a_lower_priority_notice(hood, neighbor, admin):
    """On the web only (no text, even for a coordinator who gets texts), and not to those
    told first-hand: Eastside's own coordinators, even when they also coordinate a
    neighboring area."""
    hood.nora.phone, hood.nora.sms_preference = "+15550109999", "notify"
    hood.nora.phone_verified_at = utcnow()
    assert gets_texts(hood.nora)
    hood.lee.areas.append(hood.north)
    admin.areas.append(hood.north)  # an admin who coordinates Northside is a neighbor too
    need = make_need(
        neighbor,
        code="ESC2",
        area_id=hood.east.id,
        status="matching",
        unmatched_reason="No groceries offers within 12 km",
    )
    assert neighbor_coordinators(db.session, need) == sorted([hood.nora, admin], key=lambda p: p.id)
    told = tell_neighbor_coordinators(db.session, need)
    notes = _nearby_notes()
    assert [n.person_id for n in notes] == [p.id for p in told] == sorted([hood.nora.id, admin.id])
    assert {(n.text, n.link) for n in notes} == {
        (
            "From Eastside: nobody nearby can take ESC2 yet. Can your people help?",
            f"/coordinate/needs/{need.id}",
        )
    }
    texts = db.session.scalars(select(SmsMessage).where(SmsMessage.person_id == hood.nora.id)).all()
    assert texts == []  # lower priority than the area's own coordinators: no text


def test_an_escalation_tells_the_neighbors(hood, neighbor):
    _escalated(hood, neighbor)
    assert [n.person_id for n in _nearby_notes()] == [hood.nora.id]


def test_the_api_agrees_with_the_web(app, hood, neighbor):
    need, pod = _escalated(hood, neighbor)
    nora = ApiClient(app.test_client(), make_token(hood.nora))
    wes = ApiClient(app.test_client(), make_token(hood.wes))

    def private(client) -> dict | None:
        body = client.get(f"/needs/{need.id}").get_json()
        return body["private"]

    def listed(client) -> dict:
        items = client.get("/needs?limit=100").get_json()["items"]
        return {i["code"]: i["private"] is not None for i in items}

    assert private(nora)["address_text"] == ADDRESS
    assert listed(nora)["ESC1"] is True
    assert nora.get(f"/needs/{need.id}/matches").status_code == 200
    assert nora.get(f"/pods/{pod.id}").status_code == 200
    assert private(wes) is None and listed(wes)["ESC1"] is False
    assert wes.get(f"/needs/{need.id}/matches").status_code == 403
    assert wes.get(f"/pods/{pod.id}").status_code == 404
    # A helper is found: the need is Eastside's alone again, for the web and the API.
    need.unmatched_reason = ""
    db.session.flush()
    assert private(nora) is None and listed(nora)["ESC1"] is False
    assert nora.get(f"/needs/{need.id}/matches").status_code == 403
    assert nora.get(f"/pods/{pod.id}").status_code == 404
    web = login_as(app.test_client(), hood.nora)
    assert web.get(f"/coordinate/needs/{need.id}").status_code == 404


def test_the_mark_is_in_the_coordinators_language(app, hood, neighbor):
    need, _pod = _escalated(hood, neighbor)
    hood.nora.language = "es"
    nora = login_as(app.test_client(), hood.nora)
    assert "De Eastside: no se encontró a nadie cerca." in text_of(nora.get("/coordinate/"))
    page = text_of(nora.get(f"/coordinate/needs/{need.id}"))
    assert "Sus coordinadores pidieron ayuda a las zonas vecinas." in page
