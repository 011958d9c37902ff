"""The coordinator map in a real browser: Leaflet from /static/vendor, markers at snapped
positions (exact ones only on request, for the area's coordinator), and the fallback when
the tile server cannot be reached (tests point MAP_TILE_URL at a closed loopback port)."""

from __future__ import annotations

import uuid
from pathlib import Path

from playwright.sync_api import expect

from mutualaid.extensions import db
from tests.factories import PASSWORD, make_area, make_person
from tests.pod_scene import HOME, make_need, offset

VENDOR = Path(__file__).resolve().parents[2] / "static" / "vendor"


def _scene(live_app):
    tag = uuid.uuid4().hex[:6]
    with live_app.app_context():
        area = make_area(
            slug=f"map-{tag}", name=f"Map {tag}", center_lat=HOME[0], center_lng=HOME[1]
        )
        other = make_area(slug=f"far-{tag}", name=f"Far {tag}", center_lat=HOME[0] + 1)
        lee = make_person("coordinator", name="Lee Park", email=f"lee-map-{tag}@example.org")
        lee.areas.append(area)
        wes = make_person("coordinator", name="Wes West", email=f"wes-map-{tag}@example.org")
        wes.areas.append(other)
        asker = make_person(name="Maria Lopez", email=f"maria-map-{tag}@example.org")
        needs = [
            make_need(asker, code=f"M{i}{tag[:2].upper()}", area_id=area.id, where=offset(*km))
            for i, km in enumerate(((0.73, 0.41), (-1.2, 0.9)))
        ]
        db.session.commit()
        points = {n.code: ((n.public_lat, n.public_lng), (n.lat, n.lng)) for n in needs}
        return lee.email, wes.email, area.id, points


def _log_in(page, base: str, email: str) -> None:
    page.goto(base + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _markers(page) -> dict[str, tuple[float, float]]:
    expect(page.locator("#map-canvas[data-ready]")).to_be_visible()
    out = {}
    for pin in page.locator(".map-pin").all():
        lat, lng = pin.get_attribute("data-latlng").split(",")
        out[pin.get_attribute("title").split(" ")[0]] = (float(lat), float(lng))
    return out


def test_map_markers_tiles_fallback_and_exact_positions(live_app, live_server, browser, artifacts):
    assert (VENDOR / "leaflet" / "leaflet.js").exists(), "run `make install` (static/vendor)"
    lee, wes, area_id, points = _scene(live_app)
    snapped = {code: public for code, (public, _exact) in points.items()}
    exact = {code: where for code, (_public, where) in points.items()}

    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    requests, csp_errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    _log_in(page, live_server, lee)
    page.goto(f"{live_server}/coordinate/map?area={area_id}")
    # The tile host refuses connections: a plain background, a note, every marker kept.
    expect(page.get_by_text("Map tiles could not load; markers are still shown.")).to_be_visible()
    expect(page.locator("#map-canvas")).to_have_attribute("data-tiles", "failed")
    assert _markers(page) == snapped
    expect(page.locator("svg.map-static")).to_be_hidden()  # the no-JS plot gave way
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "coordinator-map-no-tiles-phone.png"), full_page=True)
    assert any(u.startswith(live_server + "/static/vendor/leaflet/leaflet.js") for u in requests)
    assert all(u.startswith(("http://127.0.0.1", "data:")) for u in requests), requests
    assert not csp_errors, csp_errors

    # A marker's popup leads to the need.
    code = sorted(snapped)[0]
    page.get_by_title(code, exact=False).click()
    page.locator(".leaflet-popup").get_by_role("link", name=code).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(code)
    page.go_back()

    # The area's coordinator may ask for the exact positions (an audited view).
    page.get_by_role("link", name="Show exact positions of needs").click()
    page.wait_for_url("**exact=1**")
    assert _markers(page) == exact

    # When tiles load, no note.
    tile = (VENDOR / "leaflet" / "images" / "layers.png").read_bytes()
    page.route(
        "http://127.0.0.1:9/**", lambda route: route.fulfill(body=tile, content_type="image/png")
    )
    page.goto(f"{live_server}/coordinate/map?area={area_id}")
    expect(page.locator("#map-canvas")).to_have_attribute("data-tiles", "loaded")
    expect(page.get_by_text("Map tiles could not load")).to_be_hidden()
    assert _markers(page) == snapped
    context.close()

    # Another area's coordinator cannot open this map at all.
    context = browser.new_context()
    page = context.new_page()
    _log_in(page, live_server, wes)
    response = page.goto(f"{live_server}/coordinate/map?area={area_id}")
    assert response.status == 404
    context.close()
