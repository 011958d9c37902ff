"""Coordinator Lee's morning in a real browser: the queue, a need, inviting a suggestion."""

import random
import uuid

from playwright.sync_api import expect

from mutualaid.extensions import db
from tests.factories import PASSWORD, make_area, make_person
from tests.pod_scene import HOME, make_helper, make_need


def _scene(live_app):
    tag = uuid.uuid4().hex[:6]
    code = "".join(random.choice("ACDEFHJKMNPRTWXY") for _ in range(4))
    with live_app.app_context():
        area = make_area(
            slug=f"east-{tag}", name=f"Eastside {tag}", center_lat=HOME[0], center_lng=HOME[1]
        )
        lee = make_person("coordinator", name="Lee Park", email=f"lee-{tag}@example.org")
        lee.areas.append(area)
        requester = make_person(name="Maria Lopez", email=f"maria-{tag}@example.org")
        make_helper(f"Jo {tag}", 0.6, email=f"jo-{tag}@example.org")
        make_need(
            requester,
            people_needed=1,
            code=code,
            area_id=area.id,
            unmatched_reason="No groceries offers within 3 km",
        )
        db.session.commit()
        return lee.email, area.name, code, tag


def test_queue_to_need_to_invite(live_app, live_server, browser, artifacts):
    email, area_name, code, tag = _scene(live_app)
    for width, label in ((1280, "desktop"), (360, "phone")):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(live_server + "/auth/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="Coordinate").click()
        page.get_by_label("Area").select_option(label=area_name)
        page.get_by_role("button", name="Filter").click()
        row = page.locator("tr", has_text=code)
        expect(row).to_contain_text("No groceries offers within 3 km")
        if width == 360:
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(artifacts / f"coordinator-queue-{label}.png"), full_page=True)
        if width == 360:
            row.get_by_role("link").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(code)
            suggestion = page.locator(".suggestions > li", has_text=f"Jo {tag}")
            expect(suggestion).to_contain_text("km")
            suggestion.get_by_role("button", name="Invite Jo").click()
            expect(page.get_by_text("1 invitation(s) sent.")).to_be_visible()
            expect(page.locator(".members")).to_contain_text(f"Jo {tag} — helper, invited")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.screenshot(path=str(artifacts / "coordinator-need-phone.png"), full_page=True)
        context.close()
