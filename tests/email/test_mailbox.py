"""The development mailbox beside the SMS simulator: shows the emails written, with their
links clickable; guarded like the simulator."""

from __future__ import annotations

import dataclasses

from markupsafe import escape

from mutualaid.email.outbox import queue_email
from mutualaid.extensions import db
from tests.conftest import text_of


def test_the_mailbox_lists_emails_and_shows_one_with_working_links(app, neighbor_client):
    row = queue_email(
        db.session, "ben@example.org", "Reset your password",
        "Open http://localhost:5000/auth/reset/abc123 within an hour.\n<script>x</script>",
        kind="reset",
    )  # fmt: skip
    db.session.commit()
    listing = neighbor_client.get("/simulator/mailbox")
    assert listing.status_code == 200
    assert "Reset your password" in text_of(listing) and "ben@example.org" in text_of(listing)
    page = neighbor_client.get(f"/simulator/mailbox/{row.id}")
    html = page.get_data(as_text=True)
    assert '<a href="http://localhost:5000/auth/reset/abc123">' in html
    assert "<script>x</script>" not in html  # the body is escaped
    assert str(escape(row.message_id)) in html


def test_the_mailbox_needs_a_login_and_in_production_an_admin(app, client, neighbor_client):
    assert client.get("/simulator/mailbox").status_code in (302, 401)
    original = app.config["MUTUALAID"]
    app.config["MUTUALAID"] = dataclasses.replace(original, env="production")
    try:
        assert neighbor_client.get("/simulator/mailbox").status_code == 403
    finally:
        app.config["MUTUALAID"] = original
