"""Bad input over every web form (hypothesis): never a 500; a refused form says why and
keeps nothing half-saved.

Each form is posted with a valid CSRF token by a persona allowed to use it (tests/security/
scene.py), with values drawn from hostile text: control characters and NUL bytes, very long
strings, numbers out of range, unicode, markup, and plausible values mixed in.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import (
    ChecklistItem,
    Membership,
    Need,
    Offer,
    Person,
    PodFeedback,
    PodMessage,
)
from tests.conftest import login_as
from tests.security.scene import build_scene

NASTY = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=10),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "x" * 5000,
            "-1",
            "0",
            "99999999999999999999",
            "1e309",
            "NaN",
            "3.5",
            "<script>alert(1)</script>",
            "'; DROP TABLE people; --",
            "groceries",
            "today",
            "40.71,-73.96",
            "11211",
            "+15550109999",
            "(555) 010-9999",
            "name@example.org",
            "correct horse battery",
            "es",
            "admin",
            "\r\nLocation: https://evil.example",
            "😀" * 300,
        ]
    ),
)

# endpoint -> (persona, url template, field names)
FORMS = {
    "auth.signup": (
        "anonymous",
        "/auth/signup",
        ["name", "email", "phone", "password", "confirm"],
    ),
    "auth.login": ("anonymous", "/auth/login", ["email", "password"]),
    "account.profile": (
        "neighbor",
        "/account/profile",
        ["name", "language", "phone", "sms_preference"],
    ),
    "needs.new": (
        "owner",
        "/needs/new",
        ["category", "urgency", "people_needed", "details", "location", "contact_preference"],
    ),
    "needs.edit": (
        "owner",
        "/needs/{need_id}/edit",
        ["category", "urgency", "people_needed", "details", "location", "contact_preference"],
    ),
    "offers.new": (
        "helper",
        "/offers/new",
        [
            "categories",
            "radius_km",
            "when",
            "days",
            "start",
            "end",
            "capacity",
            "location",
            "notes",
        ],
    ),
    "offers.edit": (
        "helper",
        "/offers/{offer_id}/edit",
        [
            "categories",
            "radius_km",
            "when",
            "days",
            "start",
            "end",
            "capacity",
            "location",
            "notes",
        ],
    ),
    "pods.post_message": ("member", "/pods/{pod_id}/messages", ["body"]),
    "pods.add_item": ("member", "/pods/{pod_id}/checklist", ["text"]),
    "pods.feedback": ("owner", "/pods/{pod_id}/feedback", ["rating", "note"]),
    "pods.change_lead": ("owner", "/pods/{pod_id}/lead", ["person_id"]),
    "pods.accept_invitation": ("helper", "/pods/{pod_id}/accept", ["note"]),
    "pods.mark_read": ("member", "/notifications/read", ["anchor", "pod_id", "next"]),
    "admin.change_role": ("admin", "/admin/people/{person_id}/role", ["role", "q"]),
    "coordinate.dissolve": ("coordinator", "/coordinate/pods/{pod_id}/dissolve", ["reason"]),
    "coordinate.remove_member": (
        "coordinator",
        "/coordinate/pods/{pod_id}/members/{person_id}/remove",
        ["reason"],
    ),
    "main.set_language": ("neighbor", "/language", ["lang", "next"]),
}

COUNTED = (Need, Offer, Person, PodMessage, ChecklistItem, PodFeedback, Membership)


def _counts() -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in COUNTED)


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_form_survives_hostile_input(app, endpoint):
    persona, template, fields = FORMS[endpoint]
    scene = build_scene()
    client = app.test_client()
    if scene.people[persona] is not None:
        login_as(client, scene.people[persona])
    url = template.format(**scene.url_args())

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(st.fixed_dictionaries({f: NASTY for f in fields}))
    def run(values):
        before = _counts()
        payload = {k: v for k, v in values.items()}
        payload["csrf_token"] = client.csrf_token()
        response = client.post(url, data=payload)
        assert response.status_code < 500, (endpoint, values, response.status_code)
        if response.status_code == 400:
            body = response.get_data(as_text=True)
            said_why = ('class="error"', "flash-error", "control character")
            assert any(marker in body for marker in said_why), (endpoint, values)
            assert _counts() == before, f"{endpoint} refused {values} but saved something"
        if response.status_code in (301, 302, 303):
            location = response.headers["Location"]
            assert "\r" not in location and "\n" not in location

    run()


def test_board_filter_survives_hostile_query(app):
    scene = build_scene()
    client = login_as(app.test_client(), scene.people["neighbor"])

    @settings(
        max_examples=40,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(NASTY, NASTY)
    def run(category, radius):
        response = client.get("/needs/board", query_string={"category": category, "km": radius})
        assert response.status_code < 500

    run()


def test_nul_bytes_get_a_clear_400_and_nothing_is_saved(app):
    """PostgreSQL cannot store NUL in text; it used to answer 500 on every form."""
    scene = build_scene()
    client = login_as(app.test_client(), scene.people["member"])
    before = _counts()
    response = client.submit(f"/pods/{scene.pod.id}/messages", {"body": "on my way\x00"})
    assert response.status_code == 400
    assert "invisible control character" in response.get_data(as_text=True)
    assert _counts() == before
    login = app.test_client().submit("/auth/login", {"email": "a\x00@b.org", "password": "x"})
    assert login.status_code == 400


def test_ids_beyond_an_integer_column_are_not_found_not_500(app):
    """PostgreSQL raised "integer out of range" (500) for /pods/99999999999 and for a huge
    person_id in the change-lead form."""
    scene = build_scene()
    client = login_as(app.test_client(), scene.people["owner"])
    for url in ("/pods/99999999999", "/needs/99999999999", "/offers/99999999999/edit"):
        assert client.get(url).status_code == 404, url
    response = client.submit(f"/pods/{scene.pod.id}/lead", {"person_id": "2200000000"})
    assert response.status_code == 303
    assert scene.pod.lead_id == scene.people["member"].id  # unchanged
    admin = login_as(app.test_client(), scene.people["admin"])
    assert admin.get("/admin/people?page=99999999999999999999").status_code == 200
