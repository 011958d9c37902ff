"""A neighbor makes an API token on their phone, a script uses it over HTTP, they revoke it."""

import json
import urllib.error
import urllib.request
import uuid

from playwright.sync_api import expect


def _me(base: str, token: str) -> int:
    request = urllib.request.Request(
        base + "/api/v1/me", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            assert json.load(response)["name"] == "Tia Token"
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_create_use_and_revoke_a_token_at_phone_width(live_server, phone_page):
    page = phone_page
    page.goto(live_server + "/auth/signup")
    email = f"tia-{uuid.uuid4().hex[:8]}@example.org"
    page.get_by_label("Your name").fill("Tia Token")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("a sturdy passphrase")
    page.get_by_label("Password again").fill("a sturdy passphrase")
    page.get_by_role("button", name="Create account").click()
    # Sign-up leads to the log-in page (issue 16).
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("a sturdy passphrase")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Tia").click()
    page.get_by_role("link", name="API tokens for other tools").click()

    page.get_by_label("Token name").fill("hotline sheet")
    page.get_by_role("button", name="Create token").click()
    secret = page.get_by_label("Token", exact=True).input_value()
    assert secret.startswith("ma_")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert _me(live_server, secret) == 200

    page.goto(live_server + "/account/tokens")
    assert secret not in page.content()  # shown once
    expect(page.get_by_text("hotline sheet", exact=True)).to_be_visible()
    page.get_by_role("button", name="Revoke hotline sheet").click()
    expect(page.get_by_text("is revoked")).to_be_visible()
    assert _me(live_server, secret) == 401

    page.goto(live_server + "/api/v1/docs")
    expect(page.get_by_role("heading", name="mutualaid API v1")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
