"""Issue 19: a person who forgot their password gets back in by email, in a real browser.
The reset link is read from the email the outbox wrote (EMAIL_BACKEND=console)."""

import re
import uuid

from playwright.sync_api import expect
from sqlalchemy import select


def _reset_link(live_app, email: str) -> str:
    from mutualaid.extensions import db
    from mutualaid.models import OutboundEmail

    with live_app.app_context():
        body = db.session.scalars(
            select(OutboundEmail.body_text)
            .where(OutboundEmail.to_address == email, OutboundEmail.kind == "reset_password")
            .order_by(OutboundEmail.id.desc())
        ).first()
        db.session.remove()
    assert body, "no reset email was written"
    return re.search(r"https?://[^/\s]+(/auth/reset/\S+)", body).group(1)


def test_forgot_password_journey(live_server, live_app, phone_page):
    email = f"forgetful-{uuid.uuid4().hex[:8]}@example.org"
    page = phone_page
    page.goto(live_server + "/auth/signup")
    page.get_by_label("Your name").fill("Fay Forgetful")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("a sturdy passphrase")
    page.get_by_label("Password again").fill("a sturdy passphrase")
    page.get_by_role("button", name="Create account").click()

    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_text("If an account uses that address")).to_be_visible()

    page.goto(live_server + _reset_link(live_app, email))
    page.get_by_label("New password", exact=True).fill("a brand new passphrase")
    page.get_by_label("New password again").fill("a brand new passphrase")
    page.get_by_role("button", name="Set my new password").click()
    expect(page.get_by_text("Your password is changed")).to_be_visible()

    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a brand new passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("link", name="Fay")).to_be_visible()
    # The reset proved the inbox: no "not confirmed" banner.
    expect(page.get_by_text("is not confirmed yet")).to_have_count(0)
