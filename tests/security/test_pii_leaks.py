"""PII leak scan: crawl every GET page (from the URL map, then every on-site link found) as
each persona and look for other people's phone numbers, the need's exact address and its
exact coordinates.

Who may see what (CONVENTIONS "Privacy"): the exact address and coordinates of a need are
for the requester, seated pod members, coordinators of its area and admins. Phone numbers
are for the person, their seated pod members and coordinators; nobody else.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest

from tests.conftest import login_as
from tests.security.scene import ADDRESS, EXACT, PERSONAS, build_scene, route_url
from tests.security.test_authorization_matrix import RULES

ADDRESS_ALLOWED = {"owner", "member", "coordinator", "admin"}
# Phone numbers and addresses follow the need's area: a coordinator of another area sees
# neither (issue 16; the people directory is scoped like everything else).
PHONE_ALLOWED = {"owner", "member", "coordinator", "admin"}
MAX_PAGES = 200
# The SMS simulator shows every number on purpose; it is a development tool, admin-only in
# production (test_web_hardening.test_the_sms_simulator_is_for_admins_in_production).
SKIP = ("/simulator/",)


def _phone_forms(e164: str) -> list[str]:
    digits = e164[-10:]
    return [
        e164,
        digits,
        f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
        f"{digits[:3]}-{digits[3:6]}-{digits[6:]}",
        f"{digits[3:6]}-{digits[6:]}",
    ]


def _coordinate_patterns() -> list[re.Pattern[str]]:
    # Anything finer than the public 2-decimal snap of the exact point.
    return [re.compile(re.escape(f"{value:.3f}")) for value in EXACT]


def crawl(app, client) -> dict[str, str]:
    """Every GET route with the scene's ids, then on-site links, bounded in count."""
    pages: dict[str, str] = {}
    queue: list[str] = []
    with app.test_request_context():
        for rule in RULES:
            if "GET" in rule.methods and rule.endpoint not in ("static", "simulator.phone"):
                queue.append(route_url(rule, SCENE_ARGS[0]))
    while queue and len(pages) < MAX_PAGES:
        url = queue.pop(0)
        if url in pages:
            continue
        response = client.get(url, buffered=True)
        body = response.get_data(as_text=True)
        pages[url] = body
        for href in re.findall(r'href="([^"#]+)"', body):
            parts = urlsplit(href)
            if parts.netloc or not href.startswith("/") or href.startswith("/static/"):
                continue
            if href.startswith(SKIP):
                continue
            queue.append(href.replace("&amp;", "&"))
    return pages


SCENE_ARGS: list[dict[str, int]] = [{}]


@pytest.mark.parametrize("persona", PERSONAS)
def test_no_persona_sees_what_is_not_theirs(app, persona):
    scene = build_scene()
    SCENE_ARGS[0] = scene.url_args()
    client = app.test_client()
    me = scene.people[persona]
    if me is not None:
        login_as(client, me)
    pages = crawl(app, client)
    assert len(pages) > 10
    leaks = []
    for url, body in pages.items():
        if persona not in ADDRESS_ALLOWED:
            if ADDRESS in body or "Berry St" in body:
                leaks.append(f"{url}: exact address")
            for pattern in _coordinate_patterns():
                if pattern.search(body):
                    leaks.append(f"{url}: exact coordinate {pattern.pattern}")
        if persona not in PHONE_ALLOWED:
            for other, person in scene.people.items():
                if person is None or other == persona:
                    continue
                for form in _phone_forms(person.phone):
                    if form in body:
                        leaks.append(f"{url}: phone of {other} ({form})")
    assert not leaks, f"{persona} sees:\n" + "\n".join(sorted(set(leaks)))


def test_the_scan_would_see_a_leak(app):
    """The allowed personas do see the address and coordinates: the scan is not blind."""
    scene = build_scene()
    SCENE_ARGS[0] = scene.url_args()
    client = login_as(app.test_client(), scene.people["member"])
    pages = crawl(app, client)
    assert any(ADDRESS in body for body in pages.values())
