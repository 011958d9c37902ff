"""Bad input over every web form (hypothesis): never a 500; a refused form says why and
keeps nothing half-saved.

Each form is posted with a valid CSRF token by a persona allowed to use it (tests/security/
scene.py), with values drawn from hostile text: control characters and NUL bytes, very long
strings, numbers out of range, unicode, markup, and plausible values mixed in.
"""

from __future__ import annotations

import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, literal, select, union_all

from mutualaid.extensions import db
from mutualaid.web.errors import TITLES
from tests.badinput.forms_catalog import (
    CSV_TEXT,
    ELSEWHERE,
    ELSEWHERE_PREFIXES,
    FILE,
    FORMS,
    NASTY,
    QUERIES,
    build_fuzz_scene,
)
from tests.conftest import login_as
from tests.security.scene import build_scene

# Tables a refused form may still write to, and why.
MAY_WRITE_ON_REFUSAL = {
    "login_throttles": "a refused sign-in is counted (throttling, tests/security)",
}
PYTHON_ERRORS = ("invalid literal", "Traceback", "NoneType", "object has no attribute", "errno")


def _counts() -> dict[str, int]:
    """Rows in every table (one statement), to prove a refused form saved nothing."""
    tables = [t for t in db.metadata.sorted_tables if t.name not in MAY_WRITE_ON_REFUSAL]
    query = union_all(
        *(
            select(literal(t.name).label("t"), func.count().label("n")).select_from(t)
            for t in tables
        )
    )
    db.session.expire_all()
    return {name: n for name, n in db.session.execute(query)}


def _take_flashes(client) -> list[tuple[str, str]]:
    with client.session_transaction() as sess:
        return list(sess.pop("_flashes", []))


def _payload(fields: list[str], values: dict) -> dict:
    payload = {}
    for name in fields:
        if name == FILE:
            payload[name] = (io.BytesIO(values[name].encode("utf-8", "surrogatepass")), "x.csv")
        else:
            payload[name] = values[name]
    return payload


def test_every_post_endpoint_has_a_strategy(app):
    """A new form without a line in tests/badinput/forms_catalog.py fails here."""
    posts = {r.endpoint for r in app.url_map.iter_rules() if "POST" in (r.methods or ())}
    missing = sorted(
        e
        for e in posts
        if e not in FORMS and e not in ELSEWHERE and not e.startswith(tuple(ELSEWHERE_PREFIXES))
    )
    assert not missing, f"POST endpoints with no hostile-input strategy: {missing}"
    assert not set(FORMS) - posts, "FORMS lists endpoints that are gone"


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_form_survives_hostile_input(app, endpoint):
    """Never a 500; a refusal (4xx, or a redirect with an error message) says why in words
    and leaves every table as it was."""
    persona, template, fields = FORMS[endpoint]
    fuzz = build_fuzz_scene()
    client = app.test_client()
    if fuzz.people[persona] is not None:
        login_as(client, fuzz.people[persona])
    url = template.format(**fuzz.url_args())
    strategies = {f: (CSV_TEXT if f == FILE else NASTY) for f in fields}

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(st.fixed_dictionaries(strategies))
    def run(values):
        before = _counts()
        _take_flashes(client)
        payload = _payload(fields, values)
        payload["csrf_token"] = client.csrf_token()
        response = client.post(url, data=payload)
        status = response.status_code
        assert status < 500, (endpoint, values, status)
        flashes = _take_flashes(client)
        errors = [m for category, m in flashes if category == "error"]
        if 400 <= status < 500:
            body = response.get_data(as_text=True)
            # a form error, a flashed error, or the error page's title (403/404/...)
            said_why = ('class="error"', "flash-error", "control character")
            if status != 400:
                said_why += (f"<h1>{TITLES.get(status, 'Error')}</h1>",)
            assert any(marker in body for marker in said_why) or errors, (endpoint, values)
        if 400 <= status < 500 or errors:
            for message in errors:
                assert message.strip(), (endpoint, values, "an empty error message")
                assert not any(p in message for p in PYTHON_ERRORS), (endpoint, values, message)
            after = _counts()
            changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
            assert not changed, f"{endpoint} refused {values} but saved {changed}"
        if status in (301, 302, 303):
            location = response.headers["Location"]
            assert "\r" not in location and "\n" not in location

    run()


@pytest.mark.parametrize("endpoint", sorted(QUERIES))
def test_filtered_page_survives_hostile_query(app, endpoint):
    """Search boxes and filters (queue, pods, people, metrics, audit, exports, board,
    simulator): never a 500."""
    persona, template, params = QUERIES[endpoint]
    fuzz = build_fuzz_scene()
    client = login_as(app.test_client(), fuzz.people[persona])
    url = template.format(**fuzz.url_args())

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.fixed_dictionaries({p: NASTY for p in params}))
    def run(values):
        response = client.get(url, query_string=values)
        assert response.status_code < 500, (endpoint, values, response.status_code)

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


def test_what_the_sweep_found_stays_fixed(app):
    """Found by the sweep above: each answered 500 (the first two on PostgreSQL only), or
    refused without saying why."""
    fuzz = build_fuzz_scene()
    args = fuzz.url_args()
    coordinator = login_as(app.test_client(), fuzz.people["coordinator"])
    before = _counts()
    # an id beyond an integer column in the invite form (integer out of range)
    response = coordinator.submit(
        f"/coordinate/needs/{args['need_id']}/invite", {"person_id": "2200000000"}
    )
    assert response.status_code == 303
    assert [c for c, _ in _take_flashes(coordinator)] == ["error"]
    assert _counts() == before
    # ids beyond 64 bits (SQLite) in the coordinator's change-lead form and filters
    response = coordinator.submit(
        f"/coordinate/pods/{args['pod_id']}/lead", {"person_id": "9223372036854775808"}
    )
    assert response.status_code == 404
    for query in ("/coordinate/?area=9223372036854775808", "/coordinate/map?area=2200000000"):
        assert coordinator.get(query).status_code in (200, 404), query
    # "²" is a digit to str.isdigit() but not to int(): ValueError in four places
    response = coordinator.submit(f"/coordinate/pods/{args['pod_id']}/members/add", {"who": "²"})
    assert response.status_code == 303
    assert [c for c, _ in _take_flashes(coordinator)] == ["error"]
    admin = login_as(app.test_client(), fuzz.people["admin"])
    area = admin.submit(f"/admin/areas/{args['area_id']}", {"name": "X", "coordinators": "²"})
    assert area.status_code < 500
    # a huge ?page= (OFFSET out of range)
    assert coordinator.get("/coordinate/pods?page=200000000000000000").status_code == 200
    # an invalid number in the SMS simulator (the field's errors were still a tuple)
    neighbor = login_as(app.test_client(), fuzz.people["neighbor"])
    page = neighbor.get("/simulator/?number=0")
    assert page.status_code == 200 and 'class="error"' in page.get_data(as_text=True)
    sent = neighbor.submit("/simulator/", {"number": "0", "body": "hi", "send": "Send"})
    assert sent.status_code == 400 and 'class="error"' in sent.get_data(as_text=True)
    # the phone form posted with neither button: a 400 that now says what to do
    phone = neighbor.submit("/account/phone", {"send-phone": "", "code-code": ""})
    assert phone.status_code == 400
    assert "Nothing was sent" in phone.get_data(as_text=True)
    assert _counts() == before
