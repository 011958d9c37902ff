"""Issue 17 in a real browser on a 360 px phone: a neighboring area's coordinator finds the
escalated need in her queue, marked with where it comes from, and opens it."""

import uuid

from playwright.sync_api import expect

from mutualaid.extensions import db
from mutualaid.pods.formation import start_pod
from tests.factories import PASSWORD, make_area, make_person
from tests.pod_scene import make_need

# Far from every other browser test's areas (they sit around HOME, in Brooklyn): the data
# here is committed, and these areas must not become anyone else's neighbors.
PLACE = (44.9778, -93.2650)


def _scene(live_app):
    tag = uuid.uuid4().hex[:6]
    with live_app.app_context():
        own = make_area(
            slug=f"cedar-{tag}",
            name=f"Cedar-Riverside and the West Bank {tag}",  # a long name in a narrow cell
            center_lat=PLACE[0],
            center_lng=PLACE[1],
            radius_km=3,
        )
        north = make_area(
            slug=f"north-{tag}",
            name=f"Northeast {tag}",
            center_lat=PLACE[0] + 7.0 / 111.2,
            center_lng=PLACE[1],
            radius_km=3,
        )
        nora = make_person("coordinator", name="Nora North", email=f"nora-{tag}@example.org")
        nora.areas.append(north)
        requester = make_person(name="Maria Lopez", email=f"maria-nb-{tag}@example.org")
        need = make_need(requester, people_needed=1, code=tag[:4].upper(), where=PLACE)
        need.area_id = own.id
        code = need.code
        start_pod(db.session, need)  # nobody within the widest radius: escalated
        assert need.unmatched_reason
        db.session.commit()
        return nora.email, own.name, code


def test_the_neighbor_finds_the_escalated_need_on_a_phone(live_app, live_server, phone_page):
    email, area_name, code = _scene(live_app)
    page = phone_page
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Coordinate").click()
    row = page.locator("tr", has_text=code)
    expect(row).to_contain_text(f"From {area_name}: nobody found nearby.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(code)
    expect(page.get_by_role("note")).to_contain_text(f"From {area_name}")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
