"""CSRF on every state change, POST-only state changes, safe ``next``, cookie flags,
security headers, and sign-in throttling that does not reveal which accounts exist."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import update

from mutualaid.extensions import db
from mutualaid.models import LoginThrottle, utcnow
from mutualaid.settings import PROJECT_ROOT
from tests.conftest import TEST_ENV, login_as, text_of
from tests.factories import PASSWORD
from tests.security.scene import PERSONAS, build_scene, route_url, snapshot
from tests.security.test_authorization_matrix import EXPECTED, OK, RULES

# Webhooks carry a Twilio signature instead of a CSRF token (tests/badinput/test_webhooks).
SIGNED = ("sms_hooks.", "api.")  # webhooks: Twilio signature; API: bearer tokens
# RFC 8058 one-click unsubscribe: mail clients POST with no form token; the signed link is
# the credential (tests/email/test_notices_by_email.py checks forged ones change nothing).
TOKEN_LINKS = ("email_links.unsubscribe",)
STATE_CHANGING = [
    r
    for r in RULES
    if "POST" in r.methods and not r.endpoint.startswith(SIGNED) and r.endpoint not in TOKEN_LINKS
]


def _allowed_persona(endpoint: str) -> str:
    """A persona the matrix lets through, so only the CSRF token decides."""
    codes = EXPECTED[endpoint]
    for persona, code in zip(PERSONAS, codes, strict=True):
        if code == OK or (code == 200 and persona != "anonymous"):
            return persona
    return "anonymous"


@pytest.mark.parametrize("rule", STATE_CHANGING, ids=lambda r: r.endpoint)
def test_every_state_change_needs_a_csrf_token(app, rule):
    scene = build_scene()
    client = app.test_client()
    persona = _allowed_persona(rule.endpoint)
    if scene.people[persona] is not None:
        login_as(client, scene.people[persona])
    with app.test_request_context():
        url = route_url(rule, scene.url_args())
    before = snapshot(scene)
    response = client.post(url, data={"details": "changed", "role": "admin", "body": "x"})
    assert response.status_code == 400, rule.endpoint
    assert "form expired" in text_of(response)
    assert snapshot(scene) == before


POST_ONLY = [
    r
    for r in RULES
    if "POST" in r.methods and "GET" not in r.methods and not r.endpoint.startswith(SIGNED)
]


@pytest.mark.parametrize("rule", POST_ONLY, ids=lambda r: r.endpoint)
def test_state_changes_refuse_get(app, rule):
    scene = build_scene()
    client = login_as(app.test_client(), scene.people["admin"])
    with app.test_request_context():
        url = route_url(rule, scene.url_args())
    before = snapshot(scene)
    assert client.get(url).status_code == 405
    assert snapshot(scene) == before


def test_get_pages_change_nothing(app):
    """Crawling every GET page as every persona leaves the data as it was."""
    scene = build_scene()
    before = snapshot(scene)
    for persona in PERSONAS:
        client = app.test_client()
        if scene.people[persona] is not None:
            login_as(client, scene.people[persona])
        for rule in RULES:
            if "GET" in rule.methods:
                with app.test_request_context():
                    url = route_url(rule, scene.url_args())
                client.get(url, buffered=True)
    assert snapshot(scene) == before


EVIL_NEXT = [
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example",
    "\\\\evil.example",
    "javascript:alert(1)",
    "http:/evil.example",
    "/%0d%0aLocation:%20https://evil.example",
    " //evil.example",
]


def _assert_local(location: str) -> None:
    """A path on this site: what a browser would resolve against our own origin."""
    from urllib.parse import urljoin, urlsplit

    resolved = urlsplit(urljoin("https://mutualaid.test/here", location.replace("\\", "/")))
    assert resolved.scheme == "https" and resolved.netloc == "mutualaid.test", location
    assert "\r" not in location and "\n" not in location


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_login_next_never_leaves_the_site(client, neighbor, target):
    response = client.submit(
        "/auth/login?next=" + target, {"email": neighbor.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    _assert_local(response.headers["Location"])


@pytest.mark.parametrize("target", EVIL_NEXT)
def test_language_switch_next_never_leaves_the_site(client, target):
    response = client.submit("/language", {"lang": "es", "next": target})
    _assert_local(response.headers["Location"])


def test_login_next_keeps_a_local_path(client, neighbor):
    response = client.submit(
        "/auth/login?next=/needs/mine", {"email": neighbor.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/needs/mine"


def _cookie(response, name):
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(name + "="))


def test_session_cookie_is_httponly_and_samesite(client, neighbor):
    response = client.submit("/auth/login", {"email": neighbor.email, "password": PASSWORD})
    cookie = _cookie(response, "session")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_cookies_are_secure_and_hsts_is_sent(database_url):
    from mutualaid import create_app

    prod = create_app(
        {
            **TEST_ENV,
            "DATABASE_URL": database_url,
            "MUTUALAID_ENV": "production",
            "SECRET_KEY": "x" * 40,
        }
    )
    response = prod.test_client().get("/auth/login")  # sets the CSRF session cookie
    cookie = _cookie(response, "session")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with prod.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("url", ["/", "/auth/login", "/healthz", "/nope"])
def test_security_headers_on_every_kind_of_response(client, url):
    response = client.get(url)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_sms_simulator_is_for_admins_in_production(database_url, neighbor, admin):
    from mutualaid import create_app

    prod = create_app(
        {
            **TEST_ENV,
            "DATABASE_URL": database_url,
            "MUTUALAID_ENV": "production",
            "SECRET_KEY": "x" * 40,
        }
    )
    try:
        assert login_as(prod.test_client(), neighbor).get("/simulator/").status_code == 403
    finally:
        with prod.app_context():
            db.engine.dispose()


def test_personal_pages_are_not_cached(neighbor_client):
    assert "no-store" in neighbor_client.get("/needs/mine").headers["Cache-Control"]


# A <script type="application/json"> block is data (never run), so the CSP allows it.
INLINE = re.compile(
    r"<script(?![^>]*\b(?:src=|type=\"application/json\"))[^>]*>"
    r"|<style\b|\sstyle\s*=|\son[a-z]+\s*=|javascript:",
    re.I,
)


def test_templates_have_nothing_the_csp_would_block():
    offenders = []
    for path in (PROJECT_ROOT / "templates").rglob("*.html"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if INLINE.search(line):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}:{n}: {line.strip()}")
    assert not offenders, "inline script/style breaks under the CSP:\n" + "\n".join(offenders)


# --- sign-in throttling ---------------------------------------------------------------


def _fail(client, email):
    return client.submit("/auth/login", {"email": email, "password": "wrong password!"})


def test_five_failures_lock_the_account_from_that_address_with_a_generic_message(client, neighbor):
    for _ in range(4):
        response = _fail(client, neighbor.email)
        assert response.status_code == 400
        assert "do not match an account" in text_of(response)
    locked = _fail(client, neighbor.email)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in text_of(locked)
    # Even the right password is refused while locked, and no session is created.
    right = client.submit("/auth/login", {"email": neighbor.email, "password": PASSWORD})
    assert right.status_code == 429
    assert client.get("/needs/mine").status_code == 302
    # The form keeps what was typed.
    assert neighbor.email in right.get_data(as_text=True)


def test_lockout_reads_the_same_for_accounts_that_do_not_exist(client, neighbor):
    answers = {}
    for email in (neighbor.email, "nobody-here@example.org"):
        responses = [_fail(client, email) for _ in range(6)]
        answers[email] = [(r.status_code, text_of(r).replace(email, "E")) for r in responses]
    real, ghost = answers.values()
    assert real == ghost
    assert [code for code, _ in real] == [400, 400, 400, 400, 429, 429]


def test_lock_ends_after_its_time(client, neighbor):
    for _ in range(5):
        _fail(client, neighbor.email)
    db.session.execute(
        update(LoginThrottle).values(
            locked_until=utcnow() - timedelta(seconds=1),
            window_start=utcnow() - timedelta(hours=1),
        )
    )
    response = client.submit("/auth/login", {"email": neighbor.email, "password": PASSWORD})
    assert response.status_code == 302


def test_success_resets_the_count_and_other_emails_are_not_locked(client, neighbor, helper):
    for _ in range(4):
        _fail(client, neighbor.email)
    assert (
        client.submit("/auth/login", {"email": neighbor.email, "password": PASSWORD}).status_code
        == 302
    )
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    for _ in range(4):
        assert _fail(client, neighbor.email).status_code == 400  # counting starts again
    assert (
        client.submit("/auth/login", {"email": helper.email, "password": PASSWORD}).status_code
        == 302
    )


def test_one_address_trying_many_emails_is_locked_too(client):
    codes = [_fail(client, f"guess{i}@example.org").status_code for i in range(31)]
    assert codes[:29] == [400] * 29 and codes[29:] == [429, 429]


def test_the_throttle_table_holds_no_email_in_clear(client, neighbor):
    _fail(client, neighbor.email)
    keys = db.session.scalars(db.select(LoginThrottle.key)).all()
    assert keys and all(neighbor.email not in k and "@" not in k for k in keys)
