"""Every route is either public (listed here on purpose) or protected.

New routes are picked up from the URL map automatically: a route that forgets its login or
role decorator makes these tests fail until it is protected or added to PUBLIC.
"""

import pytest

from mutualaid import create_app
from tests.conftest import TEST_ENV

PUBLIC = {
    "static",
    "main.home",
    "main.healthz",
    "main.set_language",
    "auth.login",
    "auth.signup",
    # The API describes itself to anyone (issue 9); every other API route needs a token.
    "api.openapi_json",
    "api.docs",
}
# Twilio webhooks: public routes guarded by X-Twilio-Signature instead of a login
# (tests/integration/test_sms_webhooks.py checks the 403 without a valid signature).
PUBLIC |= {"sms_hooks.inbound", "sms_hooks.status"}
# Links in emails (issue 19): each is guarded by its own single-use or signed token instead
# of a login (tests/email/ checks forged, expired and reused tokens).
PUBLIC |= {"auth.forgot", "auth.reset", "auth.verify", "auth.email_change"}
PUBLIC |= {
    "email_links.unsubscribe",
    "email_links.invitation",
    "email_links.checkin",
    "email_links.offers",
}
STAFF_PREFIXES = ("admin.", "coordinate.")
ADMIN_ONLY = {
    "admin.index",
    "admin.change_role",
    "admin.new_area",
    "admin.edit_area",
    "admin.categories",
    "admin.edit_category",
    "admin.category_active",
    "admin.retention",
}


def _rules():
    app = create_app({**TEST_ENV, "DATABASE_URL": "sqlite://"})
    out = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC:
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = url.replace(f"<int:{arg}>", "1").replace(f"<{arg}>", "1")
            url = url.replace(f"<string:{arg}>", "1")
        method = "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        out.append(pytest.param(rule.endpoint, method, url, id=f"{method} {rule.rule}"))
    return out


ALL = _rules()
STAFF = [p for p in ALL if p.values[0].startswith(STAFF_PREFIXES)]
ADMIN = [p for p in ALL if p.values[0] in ADMIN_ONLY]


def _call(client, method, url):
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={"csrf_token": client.csrf_token()})


@pytest.mark.parametrize(("endpoint", "method", "url"), ALL)
def test_anonymous_is_sent_to_login(client, endpoint, method, url):
    response = _call(client, method, url)
    if url.startswith("/api/"):
        # The API never redirects: 401, a problem document and a Bearer challenge.
        assert response.status_code == 401, endpoint
        assert response.mimetype == "application/problem+json"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        return
    assert response.status_code in (302, 401), endpoint
    if response.status_code == 302:
        assert response.headers["Location"].startswith("/auth/login")


@pytest.mark.parametrize(("endpoint", "method", "url"), STAFF)
def test_neighbors_get_403_on_staff_pages(neighbor_client, endpoint, method, url):
    assert _call(neighbor_client, method, url).status_code == 403


@pytest.mark.parametrize(("endpoint", "method", "url"), ADMIN)
def test_coordinators_get_403_on_admin_pages(coordinator_client, endpoint, method, url):
    assert _call(coordinator_client, method, url).status_code == 403


def test_there_are_staff_routes_to_check():
    assert STAFF and ADMIN, "the access tests must cover at least one staff and admin route"


def test_public_pages_answer_anonymously(client):
    for url in (
        "/",
        "/auth/login",
        "/auth/signup",
        "/healthz",
        "/api/v1/openapi.json",
        "/api/v1/docs",
    ):
        assert client.get(url).status_code == 200, url
