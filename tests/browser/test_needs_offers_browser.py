"""A neighbor asks for help and a helper offers help, in a real browser at phone width."""

import re
import uuid

from playwright.sync_api import expect


def _sign_up(page, live_server, name: str, next_door: str) -> None:
    page.goto(live_server + "/")
    page.get_by_role("link", name=next_door).click()  # anonymous: the door leads to sign-up
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.org"
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("a sturdy passphrase")
    page.get_by_label("Password again").fill("a sturdy passphrase")
    page.get_by_role("button", name="Create account").click()
    # Sign-up leads to the log-in page, which sends on to the door's page (issue 16).
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a sturdy passphrase")
    page.get_by_role("button", name="Log in").click()


def test_post_a_need_fix_a_mistake_and_see_it_in_my_needs(live_server, phone_page, artifacts):
    page = phone_page
    _sign_up(page, live_server, "Nadia Needs", "I need help")
    expect(page.get_by_role("heading", name="I need help")).to_be_visible()
    page.get_by_label("What do you need help with?").select_option("groceries")
    page.get_by_label("Right now").check()
    page.get_by_label("Details").fill("Rice and milk, please")
    page.get_by_label("Where?").fill("00000")  # a ZIP code that does not exist
    page.get_by_role("button", name="Ask for help").click()
    expect(page.get_by_text("We do not know the ZIP code 00000")).to_be_visible()
    expect(page.get_by_label("Details")).to_have_value("Rice and milk, please")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.get_by_label("Where?").fill("11211")
    page.get_by_role("button", name="Ask for help").click()
    expect(page.get_by_text(re.compile(r"Its code is [A-Z0-9]{3,4}"))).to_be_visible()
    expect(page.get_by_text("11211")).to_be_visible()
    page.screenshot(path=str(artifacts / "need-posted-360.png"), full_page=True)

    page.get_by_role("link", name="My needs", exact=True).click()
    expect(page.get_by_role("heading", name=re.compile("Groceries"))).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_offer_help_with_time_windows_then_see_the_board(live_server, phone_page, artifacts):
    page = phone_page
    _sign_up(page, live_server, "Hugo Helper", "I can help")
    expect(page.get_by_role("heading", name="I can help")).to_be_visible()
    page.get_by_label("Groceries").check()
    page.get_by_label("Transport").check()
    page.get_by_label("How far can you go (km)?").fill("4")
    page.get_by_label("Only on these days and times").check()
    page.get_by_label("Saturday").check()
    page.get_by_label("Sunday").check()
    page.get_by_label("From (HH:MM)").fill("10:00")
    page.get_by_label("Until (HH:MM)").fill("14:00")
    page.get_by_label("Where do you start from?").fill("40.7150,-73.9540")
    page.get_by_label("Notes").fill("I have a cargo bike")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "offer-form-360.png"), full_page=True)
    page.get_by_role("button", name="Offer help").click()
    expect(page.get_by_text("Thank you! Your offer is saved.")).to_be_visible()
    expect(page.get_by_text("Sat, Sun 10:00")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "offer-posted-360.png"), full_page=True)

    page.get_by_role("link", name="Board").click()
    expect(page.get_by_role("heading", name="Open needs near you")).to_be_visible()
    expect(page.get_by_text("Within 4.0 km of your area")).to_be_visible()
