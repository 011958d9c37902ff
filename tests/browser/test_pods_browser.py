"""A helper accepts an invitation and talks to the pod, in a real browser at phone width."""

import random
import uuid

from playwright.sync_api import expect

from mutualaid.extensions import db
from mutualaid.pods.formation import start_pod
from tests.factories import PASSWORD, make_person
from tests.pod_scene import make_helper, make_need


def _scene(live_app):
    tag = uuid.uuid4().hex[:6]
    code = "".join(random.choice("ACDEFHJKMNPRTWXY") for _ in range(3))
    with live_app.app_context():
        requester = make_person(name="Maria Lopez", email=f"maria-{tag}@example.org")
        helper = make_helper("Jo Rivera", 0.8, email=f"jo-{tag}@example.org")
        need = make_need(requester, people_needed=1, code=code, address="77 Grand St, Apt 2")
        pod = start_pod(db.session, need)
        db.session.commit()
        return helper.email, pod.code


def _log_in(page, base, email):
    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_accept_invitation_then_post_in_the_thread(live_app, live_server, phone_page, artifacts):
    email, code = _scene(live_app)
    page = phone_page
    _log_in(page, live_server, email)
    page.get_by_role("link", name="Invitations").click()
    card = page.locator(f"#invitation-{code}")
    expect(card).to_contain_text("0.8 km")
    card.get_by_label("Note for the pod (optional)").fill("I can be there by 6")
    card.get_by_role("button", name="Yes, I can help").click()
    expect(page.get_by_text("You're in!")).to_be_visible()
    expect(page.get_by_text("77 Grand St, Apt 2")).to_be_visible()
    expect(page.get_by_text("I can be there by 6")).to_be_visible()
    page.get_by_label("Message to the pod").fill("Do you need anything else?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Do you need anything else?")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "pod-360.png"), full_page=True)
