"""Issue 19 in a real browser at phone width: a helper answers an invitation from the
email's link without logging in; the development mailbox shows the emails; the profile's
new sections (how we reach you, email address, delete my account) fit the phone."""

import random
import re
import uuid

from playwright.sync_api import expect
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import OutboundEmail, utcnow
from mutualaid.pods.formation import start_pod
from tests.factories import PASSWORD, make_person
from tests.pod_scene import make_helper, make_need


def _invited(live_app):
    tag = uuid.uuid4().hex[:6]
    code = "".join(random.choice("ACDEFHJKMNPRTWXY") for _ in range(3))
    with live_app.app_context():
        requester = make_person(name="Maria Lopez", email=f"maria-{tag}@example.org")
        # A category no other browser test offers, very near: this helper is the one invited.
        helper = make_helper(
            "Ben Inbox", 0.05, categories=("companionship",), email=f"ben-{tag}@example.org",
            email_verified_at=utcnow(),
        )  # fmt: skip
        need = make_need(
            requester, people_needed=1, code=code, address="77 Grand St, Apt 2",
            category="companionship",
        )  # fmt: skip
        start_pod(db.session, need)
        db.session.commit()
        body = db.session.scalars(
            select(OutboundEmail.body_text).where(
                OutboundEmail.to_address == helper.email, OutboundEmail.kind == "invitation"
            )
        ).one()
        db.session.remove()
    path = re.search(r"https?://[^/\s]+(/email/invitation/\S+)", body).group(1)
    return helper.email, code, path


def test_answering_an_invitation_from_the_email_without_logging_in(
    live_app, live_server, phone_page
):
    email, code, path = _invited(live_app)
    page = phone_page
    page.goto(live_server + path)
    expect(page.get_by_role("heading", name="Can you help a neighbor?")).to_be_visible()
    expect(page.get_by_text(code, exact=True)).to_be_visible()
    expect(page.get_by_text("77 Grand St")).to_have_count(0)  # no address before yes
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.get_by_role("button", name="Yes, I can help").click()
    expect(page.get_by_role("heading", name="re in!")).to_be_visible()
    page.goto(live_server + path)  # the link is spent
    expect(page.get_by_text("This invitation is closed")).to_be_visible()
    assert email


def test_mailbox_and_profile_sections(live_app, live_server, phone_page):
    email, _code, _path = _invited(live_app)
    page = phone_page
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server + "/simulator/mailbox?to=" + email)
    page.get_by_role("link", name=re.compile("Can you help a neighbor")).click()
    expect(page.locator("a[href*='/email/invitation/']")).to_be_visible()
    page.goto(live_server + "/account/profile")
    expect(page.get_by_role("heading", name="How we reach you")).to_be_visible()
    expect(page.get_by_role("heading", name="Delete my account")).to_be_visible()
    page.get_by_role("group", name="Invitations to help").get_by_label("Email only").check()
    page.get_by_role("button", name="Save how we reach you").click()
    expect(page.get_by_text("Saved: this is how we will reach you.")).to_be_visible()
    expect(
        page.get_by_role("group", name="Invitations to help").get_by_label("Email only")
    ).to_be_checked()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
