"""A newcomer signs up, logs out and logs back in, in a real browser at phone width."""

import uuid

from playwright.sync_api import expect


def test_home_page_fits_a_phone_and_shows_two_doors(live_server, phone_page, artifacts):
    phone_page.goto(live_server + "/")
    expect(phone_page.get_by_role("link", name="I need help")).to_be_visible()
    expect(phone_page.get_by_role("link", name="I can help")).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling on a 360 px phone.
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360
    shot = artifacts / "home-360.png"
    phone_page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 5_000


def test_signup_logout_login_journey(live_server, phone_page):
    email = f"newcomer-{uuid.uuid4().hex[:8]}@example.org"
    page = phone_page
    page.goto(live_server + "/")
    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Your name").fill("Nia Newcomer")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Mobile phone (optional)").fill("718 555 0177")
    page.get_by_label("Password", exact=True).fill("a sturdy passphrase")
    page.get_by_label("Password again").fill("a sturdy passphrase")
    page.get_by_role("button", name="Create account").click()
    # The same neutral answer whether or not the email is taken (issue 16), then log in.
    expect(page.get_by_text("If this email can be used")).to_be_visible()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a sturdy passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Nia")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You are logged out.")).to_be_visible()

    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("the wrong passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("That email and password do not match")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value(email)

    page.get_by_label("Password").fill("a sturdy passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Nia")).to_be_visible()
    page.get_by_role("link", name="Nia").click()
    expect(page.get_by_label("Mobile phone")).to_have_value("+17185550177")


def test_forms_work_with_the_keyboard_alone(live_server, phone_page):
    page = phone_page
    page.goto(live_server + "/auth/login")
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent").strip() == "Skip to content"
