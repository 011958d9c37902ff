"""The SMS simulator in a real browser at phone width: journey 1's first steps by text."""

import uuid

from playwright.sync_api import expect

from mutualaid.extensions import db
from tests.factories import PASSWORD, make_person, unique_phone


def test_simulator_shows_a_text_conversation(live_app, live_server, phone_page, artifacts):
    tag = uuid.uuid4().hex[:6]
    with live_app.app_context():
        person = make_person(name="Lee Trainer", email=f"lee-{tag}@example.org")
        db.session.commit()
        email = person.email
    number = unique_phone()
    page = phone_page
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(live_server + "/simulator/")
    page.get_by_label("Phone number").fill(number)
    page.get_by_label("Text message").fill("NAME Maria")
    page.get_by_role("button", name="Send text").click()
    expect(page.get_by_text("Thanks, Maria!")).to_be_visible()
    page.get_by_label("Text message").fill("NEED")
    page.get_by_role("button", name="Send text").click()
    expect(page.get_by_text("What do you need? Reply 1 Groceries")).to_be_visible()
    page.get_by_label("Text message").fill("1")
    page.get_by_role("button", name="Send text").click()
    expect(page.get_by_text("Where? Reply with a ZIP code")).to_be_visible()
    page.get_by_label("Text message").fill("11211 milk and bread")
    page.get_by_role("button", name="Send text").click()
    expect(page.get_by_text("Got it: need")).to_be_visible()
    # In order: what was sent and what came back, alternating.
    bubbles = page.locator(".sim-thread .sim-body").all_inner_texts()
    assert bubbles[0] == "NAME Maria" and bubbles[1].startswith("Thanks, Maria!")
    assert bubbles[-2] == "11211 milk and bread" and bubbles[-1].startswith("Got it: need")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "simulator-360.png"), full_page=True)
