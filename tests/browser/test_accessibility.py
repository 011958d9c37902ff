"""axe-core (static/vendor/axe-core, installed by ``make install`` from the npm registry) on
every staff page: each GET page of the ``coordinate.`` and ``admin.`` blueprints, taken from
the URL map (a new page is checked without touching this file), at phone and desktop width,
signed in as the area's coordinator (workspace) or an admin (admin pages). No violation of
impact "serious" or "critical" is allowed."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from mutualaid.extensions import db
from tests.factories import PASSWORD
from tests.security.scene import build_scene, route_url

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
WIDTHS = {"phone": 360, "desktop": 1280}
# Pages in a state worth checking on top of each endpoint's plain URL.
EXTRA = ("coordinate.map:exact=1", "coordinate.people:q=a", "coordinate.queue:status=open")


def _staff_pages(live_app) -> dict[str, list[str]]:
    """persona -> URLs: every GET route of the two staff blueprints, filled from a scene."""
    from mutualaid.sms.apply import receive_inbound

    tag = uuid.uuid4().hex[:6]
    with live_app.app_context():
        scene = build_scene()
        for persona in ("coordinator", "admin"):
            scene.people[persona].email = f"{persona}-axe-{tag}@example.org"
        message = receive_inbound(
            db.session,
            sid=f"SMaxe{tag}",
            from_number="+15550109999",
            to_number="+15005550006",
            body="who can help my neighbor with the stairs?",
        ).message
        args = {**scene.url_args(), "message_id": message.id}
        db.session.commit()
        emails = {p: scene.people[p].email for p in ("coordinator", "admin")}
        pages: dict[str, list[str]] = {emails["coordinator"]: [], emails["admin"]: []}
        with live_app.test_request_context():
            for rule in sorted(live_app.url_map.iter_rules(), key=lambda r: r.rule):
                blueprint = rule.endpoint.split(".")[0]
                if "GET" not in rule.methods or blueprint not in ("coordinate", "admin"):
                    continue
                if rule.rule.endswith(".csv"):
                    continue  # downloads, not pages
                persona = "coordinator" if blueprint == "coordinate" else "admin"
                pages[emails[persona]].append(route_url(rule, args))
            for extra in EXTRA:
                endpoint, query = extra.split(":")
                rule = next(r for r in live_app.url_map.iter_rules() if r.endpoint == endpoint)
                url = route_url(rule, args)
                if endpoint == "coordinate.map":
                    query += f"&area={scene.need.area_id}"
                pages[emails["coordinator"]].append(f"{url}?{query}")
    return pages


def _readable(url: str, width: str, violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{url} [{width}] {v['impact']}: {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(
                f"    {' '.join(node['target'])}: {node['failureSummary'].splitlines()[-1]}"
            )
    return "\n".join(lines)


def test_no_serious_or_critical_axe_violations_on_staff_pages(live_app, live_server, browser):
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing: run `make install` (it vendors axe-core from npm)")
    source = AXE.read_text()
    pages = _staff_pages(live_app)
    failures, checked = [], 0
    for email, urls in pages.items():
        for label, width in WIDTHS.items():
            context = browser.new_context(viewport={"width": width, "height": 800})
            page = context.new_page()
            page.set_default_timeout(15_000)
            page.goto(live_server + "/auth/login")
            page.get_by_label("Email").fill(email)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda u: "/auth/login" not in u)
            for url in urls:
                response = page.goto(live_server + url)
                assert response.status == 200, f"{url}: {response.status}"
                page.evaluate(source)  # DevTools evaluation: the page's CSP does not apply
                result = page.evaluate(
                    "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                    ".violations"
                )
                bad = [v for v in result if v["impact"] in BLOCKING]
                if bad:
                    failures.append(_readable(url, label, bad))
                checked += 1
            context.close()
    print(f"axe-core checked {checked} page views: {sum(map(len, pages.values()))} URLs x 2 widths")
    assert checked >= 2 * 15
    assert not failures, "axe-core found serious/critical violations:\n" + "\n".join(failures)
