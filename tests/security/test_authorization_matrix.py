"""Authorization matrix: every route in the URL map x every persona, with the expected status.

Generated from the app's URL map: a route without a row in EXPECTED fails
``test_every_route_has_an_entry``, so nobody adds a page without deciding who may use it.

Personas (tests/security/scene.py): anonymous; neighbor (unrelated); owner (asked for the
need); helper (invited to the pod, not seated); member (seated in the pod); other_coordinator
(coordinator of another area); coordinator (of the need's area); admin.

Codes: ``L`` = redirect to the login page; ``OK`` = reached the view (2xx, 3xx elsewhere, or
a 400 form error for an empty form); numbers are exact statuses. A request that is refused
(L, 403, 404) must also leave the need, pod, offer, checklist and roles unchanged.
"""

from __future__ import annotations

import pytest

from tests.conftest import login_as
from tests.security.scene import PERSONAS, build_scene, route_url, snapshot

L, OK = "L", "OK"
# Order: anonymous, neighbor, owner, helper, member, other_coordinator, coordinator, admin
EXPECTED: dict[str, tuple] = {
    "static": (200,) * 8,
    "main.home": (200,) * 8,
    "main.healthz": (200,) * 8,
    "main.set_language": (303,) * 8,
    "auth.login": (200, 302, 302, 302, 302, 302, 302, 302),
    "auth.signup": (200, 302, 302, 302, 302, 302, 302, 302),
    "auth.logout": (L, OK, OK, OK, OK, OK, OK, OK),
    "auth.logout_everywhere": (L, OK, OK, OK, OK, OK, OK, OK),
    "account.profile": (L, 200, 200, 200, 200, 200, 200, 200),
    "account.phone": (L, 200, 200, 200, 200, 200, 200, 200),
    "account.password": (L, OK, OK, OK, OK, OK, OK, OK),  # POST only; 400 without a form
    "account.tokens": (L, 200, 200, 200, 200, 200, 200, 200),
    "account.revoke_token": (L, 404, 404, 404, 404, 404, 404, 404),  # token 1: nobody's
    "admin.index": (L, 403, 403, 403, 403, 403, 403, 200),
    "admin.change_role": (L, 403, 403, 403, 403, 403, 403, OK),
    "admin.new_area": (L, 403, 403, 403, 403, 403, 403, 200),
    "admin.edit_area": (L, 403, 403, 403, 403, 403, 403, 200),
    "admin.people": (L, 403, 403, 403, 403, 200, 200, 200),
    "admin.categories": (L, 403, 403, 403, 403, 403, 403, 200),
    "admin.edit_category": (L, 403, 403, 403, 403, 403, 403, 200),
    "admin.category_active": (L, 403, 403, 403, 403, 403, 403, OK),
    "admin.retention": (L, 403, 403, 403, 403, 403, 403, 200),
    "coordinate.dissolve": (L, 403, 403, 403, 403, 404, OK, OK),
    "coordinate.form_pod": (L, 403, 403, 403, 403, 404, OK, OK),
    "coordinate.remove_member": (L, 403, 403, 403, 403, 404, OK, OK),
    "needs.board": (L, 200, 200, 200, 200, 200, 200, 200),
    "needs.mine": (L, 200, 200, 200, 200, 200, 200, 200),
    "needs.new": (L, 200, 200, 200, 200, 200, 200, 200),
    "needs.locations": (L, 403, 403, 403, 403, 200, 200, 200),
    "needs.detail": (L, 404, 200, 404, 200, 404, 200, 200),
    "needs.edit": (L, 404, 200, 404, 403, 404, 200, 200),
    "needs.cancel": (L, 404, OK, 404, 403, 404, OK, OK),
    "needs.resolve": (L, 404, OK, 404, 403, 404, OK, OK),
    "needs.reopen": (L, 404, OK, 404, 403, 404, OK, OK),
    "offers.mine": (L, 200, 200, 200, 200, 200, 200, 200),
    "offers.new": (L, 200, 200, 200, 200, 200, 200, 200),
    "offers.edit": (L, 404, 404, 200, 404, 404, 404, 404),
    "offers.confirm": (L, 404, 404, OK, 404, 404, 404, 404),
    "offers.delete": (L, 404, 404, OK, 404, 404, 404, 404),
    "offers.pause": (L, 404, 404, OK, 404, 404, 404, 404),
    "offers.resume": (L, 404, 404, OK, 404, 404, 404, 404),
    "pods.invitations": (L, 200, 200, 200, 200, 200, 200, 200),
    "pods.notifications": (L, 200, 200, 200, 200, 200, 200, 200),
    "pods.mark_read": (L, OK, OK, OK, OK, OK, OK, OK),
    "pods.show": (L, 404, 200, 200, 200, 404, 200, 200),
    # Anyone may say yes/no: the view answers "you were not invited" unless they were.
    "pods.accept_invitation": (L, 404, OK, OK, OK, 404, OK, OK),
    "pods.decline_invitation": (L, 404, OK, OK, OK, 404, OK, OK),
    "pods.add_item": (L, 404, OK, 404, OK, 404, OK, OK),
    "pods.toggle_item": (L, 404, OK, 404, OK, 404, OK, OK),
    "pods.post_message": (L, 404, OK, 404, OK, 404, OK, OK),
    "pods.change_lead": (L, 404, OK, 404, OK, 404, OK, OK),
    "pods.leave": (L, 404, OK, 404, OK, 404, OK, OK),
    "pods.cancel": (L, 404, OK, 404, OK, 404, OK, OK),
    "pods.resolve": (L, 404, OK, 404, OK, 404, OK, OK),
    "pods.feedback": (L, 404, OK, 404, OK, 404, OK, OK),
    # Coordinator workspace (issue 8): staff only; per-need and per-pod actions are for the
    # need's area (404 for another area's coordinator); directories and reports are shared
    # by all coordinators. Empty forms: change_lead without a person and the inbox actions
    # on a message that does not exist are 404 for everyone.
    "coordinate.queue": (L, 403, 403, 403, 403, 200, 200, 200),
    "coordinate.audit": (L, 403, 403, 403, 403, 200, 200, 200),
    "coordinate.csv_page": (L, 403, 403, 403, 403, 200, 200, 200),
    "coordinate.export": (L, 403, 403, 403, 403, 200, 200, 200),
    "coordinate.gaps": (L, 403, 403, 403, 403, 200, 200, 200),
    "coordinate.map": (L, 403, 403, 403, 403, 200, 200, 200),
    "coordinate.merge": (L, 403, 403, 403, 403, 404, 200, 200),
    "coordinate.metrics": (L, 403, 403, 403, 403, 200, 200, 200),
    "coordinate.people": (L, 403, 403, 403, 403, 200, 200, 200),
    "coordinate.person": (L, 403, 403, 403, 403, 404, 200, 200),
    "coordinate.pods": (L, 403, 403, 403, 403, 200, 200, 200),
    "coordinate.inbox_list": (L, 403, 403, 403, 403, 200, 200, 200),
    "coordinate.import_csv": (L, 403, 403, 403, 403, OK, OK, OK),
    # A CSV import's progress page: the coordinator who started it and admins.
    "coordinate.import_job": (L, 403, 403, 403, 403, 404, 200, 200),
    # People (mutualaid.policy): the member sits in a pod of area A, so the other
    # area's coordinator gets 404 (existence not revealed).
    "coordinate.suspend": (L, 403, 403, 403, 403, 404, OK, OK),
    "coordinate.need": (L, 403, 403, 403, 403, 404, 200, 200),
    "coordinate.pod": (L, 403, 403, 403, 403, 404, 200, 200),
    "coordinate.add_member": (L, 403, 403, 403, 403, 404, OK, OK),
    "coordinate.cancel": (L, 403, 403, 403, 403, 404, OK, OK),
    "coordinate.contact": (L, 403, 403, 403, 403, 404, OK, OK),
    "coordinate.edit": (L, 403, 403, 403, 403, 404, OK, OK),
    "coordinate.invite": (L, 403, 403, 403, 403, 404, OK, OK),
    "coordinate.message": (L, 403, 403, 403, 403, 404, OK, OK),
    "coordinate.widen": (L, 403, 403, 403, 403, 404, OK, OK),
    "coordinate.change_lead": (L, 403, 403, 403, 403, 404, 404, 404),
    "coordinate.inbox_message": (L, 403, 403, 403, 403, 404, 404, 404),
    "coordinate.inbox_attach": (L, 403, 403, 403, 403, 404, 404, 404),
    "coordinate.inbox_create_need": (L, 403, 403, 403, 403, 404, 404, 404),
    "coordinate.inbox_handled": (L, 403, 403, 403, 403, 404, 404, 404),
    "coordinate.inbox_reply": (L, 403, 403, 403, 403, 404, 404, 404),
    # The SMS simulator: any signed-in person outside production (admins only in production,
    # tests/security/test_web_hardening.py).
    "simulator.phone": (L, 200, 200, 200, 200, 200, 200, 200),
    "simulator.mailbox": (L, 200, 200, 200, 200, 200, 200, 200),
    "simulator.mailbox_email": (L, 404, 404, 404, 404, 404, 404, 404),
    # Email (issue 19): account links are guarded by their single-use token (a bad one is a
    # 400 page for everyone); "forgot password" is open to all; the rest needs a login.
    "auth.forgot": (200,) * 8,
    "auth.reset": (400,) * 8,
    "auth.verify": (400,) * 8,
    "auth.email_change": (400,) * 8,
    "auth.resend_verification": (L, OK, OK, OK, OK, OK, OK, OK),
    "account.change_email": (L, OK, OK, OK, OK, OK, OK, OK),
    "account.delete": (L, OK, OK, OK, OK, OK, OK, OK),
    "account.notices": (L, OK, OK, OK, OK, OK, OK, OK),
    # Links in notice emails: a signed token instead of a login; a bad one is 400 for all.
    "email_links.unsubscribe": (400,) * 8,
    "email_links.invitation": (400,) * 8,
    "email_links.checkin": (400,) * 8,
    "email_links.offers": (400,) * 8,
    # JSON API (issue 9): bearer tokens only. A browser session, even an admin's, is not a
    # credential there (so no CSRF exposure): 401 for every persona. Docs are public.
    "api.docs": (200,) * 8,
    "api.openapi_json": (200,) * 8,
    **{
        f"api.{name}": (401,) * 8
        for name in [
            "accept_pod",
            "cancel_need_op",
            "create_need",
            "create_offer",
            "decline_pod",
            "delete_offer_op",
            "get_area",
            "get_me",
            "get_need",
            "get_offer",
            "get_pod",
            "list_areas",
            "list_categories",
            "list_needs",
            "list_offers",
            "list_pods",
            "need_matches",
            "patch_need",
            "patch_offer",
            "post_pod_message",
            "resolve_need_op",
        ]
    },
    # Twilio webhooks: no login, no CSRF; an unsigned request is refused for everyone.
    "sms_hooks.inbound": (403,) * 8,
    "sms_hooks.status": (403,) * 8,
}


def _rules():
    from mutualaid import create_app
    from tests.conftest import TEST_ENV

    app = create_app({**TEST_ENV, "DATABASE_URL": "sqlite://"})
    return sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint)


RULES = _rules()
CASES = [
    pytest.param(rule.endpoint, i, persona, id=f"{rule.endpoint}-{persona}")
    for rule in RULES
    for i, persona in enumerate(PERSONAS)
    if rule.endpoint in EXPECTED
]


def test_every_route_has_an_entry():
    missing = sorted({r.endpoint for r in RULES} - set(EXPECTED))
    assert not missing, f"add these routes to EXPECTED with a status per persona: {missing}"
    stale = sorted(set(EXPECTED) - {r.endpoint for r in RULES})
    assert not stale, f"routes gone from the app, remove them from EXPECTED: {stale}"
    assert all(len(v) == len(PERSONAS) for v in EXPECTED.values())


def _matches(expected, response) -> bool:
    code = response.status_code
    location = response.headers.get("Location", "")
    if expected == L:
        return code == 302 and location.startswith("/auth/login")
    if expected == OK:
        if code in (301, 302, 303):
            return not location.startswith("/auth/login")
        return code in (200, 201, 204, 400)
    return code == expected


@pytest.mark.parametrize(("endpoint", "index", "persona"), CASES)
def test_route_answers_persona_as_expected(app, endpoint, index, persona):
    rule = next(r for r in RULES if r.endpoint == endpoint)
    scene = build_scene()
    client = app.test_client()
    if scene.people[persona] is not None:
        login_as(client, scene.people[persona])
    with app.test_request_context():
        url = route_url(rule, scene.url_args())
    before = snapshot(scene)
    if "GET" in rule.methods:
        response = client.get(url, buffered=True)
    else:
        method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
        response = client.open(url, method=method, data={"csrf_token": client.csrf_token()})
    expected = EXPECTED[endpoint][index]
    assert _matches(expected, response), (
        f"{persona} {url}: expected {expected}, got {response.status_code} "
        f"{response.headers.get('Location', '')}"
    )
    if expected in (L, 403, 404):
        assert snapshot(scene) == before, f"{persona} was refused but {url} changed something"
