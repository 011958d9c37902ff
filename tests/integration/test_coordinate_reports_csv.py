"""Gaps, map, audit log, CSV export privacy and idempotent CSV import."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Need, Offer, Person
from tests.conftest import login_as, text_of
from tests.coordinate_scene import two_areas
from tests.factories import make_person, make_raw_offer
from tests.pod_scene import HOME, make_need, offset


@pytest.fixture
def scene(coordinator):
    return two_areas(coordinator)


def test_gaps_highlight_where_helpers_are_missing(coordinator_client, scene, neighbor):
    for i in range(3):
        make_need(neighbor, code=f"CH{i}", category="childcare", area_id=scene.east.id)
    make_need(
        neighbor, code="CH9", category="childcare", area_id=scene.east.id, unmatched_reason="none"
    )
    make_need(neighbor, code="GR1", category="groceries", area_id=scene.east.id)
    lat, lng = offset(1.0)
    make_raw_offer(categories=["childcare"], lat=lat, lng=lng)
    make_raw_offer(categories=["groceries"], lat=lat, lng=lng)
    make_raw_offer(categories=["groceries"], lat=lat, lng=lng)
    make_raw_offer(categories=["childcare"], lat=HOME[0] + 1, lng=HOME[1])  # outside
    page = coordinator_client.get("/coordinate/gaps")
    rows = [re_row for re_row in text_of(page).split("Eastside")[1:]]
    childcare = next(r for r in rows if r.strip().startswith("Childcare"))
    groceries = next(r for r in rows if r.strip().startswith("Groceries"))
    assert childcare.split()[:5] == ["Childcare", "4", "1", "1", "recruit"]
    assert groceries.split()[:5] == ["Groceries", "1", "0", "2", "ok"]
    assert text_of(page).index("Childcare") < text_of(page).index("Groceries")


def test_map_shows_snapped_positions_only(coordinator_client, scene, neighbor):
    need = make_need(neighbor, code="MAP1", area_id=scene.east.id, where=offset(0.73, 0.41))
    page = coordinator_client.get(f"/coordinate/map?area={scene.east.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and 'class="map-need"' in html
    assert "1 open needs" in text_of(page)
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', html)[1])
    assert (need.lat, need.lng) != (need.public_lat, need.public_lng)
    # By default the map never carries the exact point (not in the data, not in the plot).
    assert [(n["lat"], n["lng"]) for n in data["needs"]] == [(need.public_lat, need.public_lng)]
    assert f"{need.lat}" not in html and f"{need.lng}" not in html
    assert coordinator_client.get(f"/coordinate/map?area={scene.west.id}").status_code == 404


def test_map_data_carries_snapped_points_and_exact_ones_only_on_audited_request(
    coordinator_client, scene, neighbor, coordinator
):
    need = make_need(neighbor, code="MAP2", area_id=scene.east.id, where=offset(0.73, 0.41))
    page = coordinator_client.get(f"/coordinate/map?area={scene.east.id}")
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', page.get_data(as_text=True))[1])
    assert [(n["lat"], n["lng"]) for n in data["needs"]] == [(need.public_lat, need.public_lng)]
    assert data["needs"][0]["url"] == f"/coordinate/needs/{need.id}" and not data["exact"]
    assert "Show exact positions of needs" in text_of(page)
    # The tile host (tests: a closed loopback port) may serve images on this page only.
    assert "img-src 'self' data: http://127.0.0.1:9;" in page.headers["Content-Security-Policy"]
    assert (
        "127.0.0.1:9"
        not in coordinator_client.get("/coordinate/gaps").headers["Content-Security-Policy"]
    )
    before = db.session.scalar(select(func.count()).where(AuditEvent.action == "map.viewed_exact"))
    exact = coordinator_client.get(f"/coordinate/map?area={scene.east.id}&exact=1")
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', exact.get_data(as_text=True))[1])
    assert [(n["lat"], n["lng"]) for n in data["needs"]] == [(need.lat, need.lng)] and data["exact"]
    event = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "map.viewed_exact")
    ).all()
    assert len(event) == before + 1 and event[-1].actor_id == coordinator.id
    assert event[-1].target_type == "area" and event[-1].target_id == scene.east.id


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_export_shows_exact_data_only_for_own_areas(app, scene, neighbor):
    make_need(neighbor, code="EXP1", area_id=scene.east.id, address="9 Secret Ln")
    lee = login_as(app.test_client(), scene.lee)
    wes = login_as(app.test_client(), scene.wes)
    own = next(r for r in _csv(lee.get("/coordinate/csv/export/needs.csv")) if r["code"] == "EXP1")
    other = next(
        r for r in _csv(wes.get("/coordinate/csv/export/needs.csv")) if r["code"] == "EXP1"
    )
    assert own["address"] == "9 Secret Ln" and own["lat"] and own["exact"] == "yes"
    assert other["address"] == "" and other["lat"] == "" and other["exact"] == "no"
    assert other["public_lat"]  # the snapped point is public
    assert other["requester_email"] == ""
    lat, lng = offset(0.5)
    make_raw_offer(lat=lat, lng=lng, address_text="7 Offer Ave")
    offers = _csv(wes.get("/coordinate/csv/export/offers.csv"))
    assert "7 Offer Ave" not in {r["address"] for r in offers}
    assert "7 Offer Ave" in {
        r["address"] for r in _csv(lee.get("/coordinate/csv/export/offers.csv"))
    }
    assert _csv(lee.get("/coordinate/csv/export/pods.csv")) == []
    assert db.session.scalar(select(func.count()).where(AuditEvent.action == "csv.exported")) == 5


NEEDS_CSV = """external_id,name,email,phone,category,urgency,people_needed,details,location
n-1,Ana One,ana@example.org,,groceries,today,1,milk,"40.7090,-73.9580"
n-2,Ben Two,,+1 718 555 0142,meals,week,,soup,"40.7085,-73.9570"
n-3,Cy Three,cy@example.org,,unicorns,today,1,,"40.7085,-73.9570"
n-4,Di Four,,,groceries,today,1,,"40.7085,-73.9570"
n-5,Ed Five,ed@example.org,,groceries,today,abc,,"40.7085,-73.9570"
n-1,Ana Dup,ana@example.org,,groceries,today,1,,"40.7085,-73.9570"
n-6,Fay Six,fay@example.org,,groceries,today,1,,nowhere-at-all-zz
"""


def test_import_needs_is_idempotent_and_reports_bad_rows(coordinator_client, scene):
    page = coordinator_client.post(
        "/coordinate/csv/import",
        data={
            "csrf_token": coordinator_client.csrf_token(),
            "kind": "needs",
            "file": (io.BytesIO(NEEDS_CSV.encode()), "needs.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert page.status_code == 200
    text = text_of(page)
    assert "Rows processed: 7 of 7" in text
    assert "2 created, 0 updated, 0 unchanged, 5 with errors" in text
    assert "Choose a category" in text and "email or a phone" in text
    assert "whole number" in text and "appears twice" in text
    ana = db.session.scalar(select(Need).where(Need.external_id == "n-1"))
    assert ana.details == "milk" and ana.requester.email == "ana@example.org"
    assert db.session.scalar(select(Person).where(Person.phone == "+17185550142")) is not None

    count = db.session.scalar(select(func.count()).select_from(Need))
    again = coordinator_client.post(
        "/coordinate/csv/import",
        data={
            "csrf_token": coordinator_client.csrf_token(),
            "kind": "needs",
            "file": (io.BytesIO(NEEDS_CSV.encode()), "needs.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "0 created, 0 updated, 2 unchanged, 5 with errors" in text_of(again)
    assert db.session.scalar(select(func.count()).select_from(Need)) == count

    changed = NEEDS_CSV.replace("milk", "milk and eggs")
    third = coordinator_client.post(
        "/coordinate/csv/import",
        data={
            "csrf_token": coordinator_client.csrf_token(),
            "kind": "needs",
            "file": (io.BytesIO(changed.encode()), "needs.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "0 created, 1 updated, 1 unchanged" in text_of(third)
    assert db.session.get(Need, ana.id).details == "milk and eggs"


def test_import_offers_and_unreadable_files_never_500(coordinator_client):
    good = (
        "external_id,name,email,categories,radius_km,capacity,location\n"
        'o-1,Hal Helper,hal@example.org,groceries;meals,2,1,"40.7085,-73.9570"\n'
        'o-2,Ida,ida@example.org,groceries,far,1,"40.7085,-73.9570"\n'
    )
    for body, expect in (
        (good, "1 created, 0 updated, 0 unchanged, 1 with errors"),
        ("\xff\xfe garbage", "not UTF-8"),
        ("just,a,header\n", "missing the column"),
    ):
        raw = body.encode("latin-1") if body.startswith("\xff") else body.encode()
        page = coordinator_client.post(
            "/coordinate/csv/import",
            data={
                "csrf_token": coordinator_client.csrf_token(),
                "kind": "offers",
                "file": (io.BytesIO(raw), "offers.csv"),
            },
            content_type="multipart/form-data",
            follow_redirects=True,
        )
        assert page.status_code in (200, 400)
        assert expect in text_of(page)
    offer = db.session.scalar(select(Offer).where(Offer.external_id == "o-1"))
    assert offer.categories == ["groceries", "meals"] and offer.radius_km == 2
    assert coordinator_client.submit("/coordinate/csv/import", {"kind": "needs"}).status_code == 400


def test_audit_log_lists_and_filters(coordinator_client, neighbor):
    make_need(neighbor, code="AUD1", area_id=None)
    coordinator_client.submit(
        f"/coordinate/people/{neighbor.id}/suspend", {"action": "suspend", "reason": "spam"}
    )
    text = text_of(coordinator_client.get("/coordinate/audit?action=person."))
    assert "person.suspended" in text and "reason=spam" in text
    assert "reason=spam" not in text_of(coordinator_client.get("/coordinate/audit?action=pod."))


def test_cli_import_prints_progress_and_errors(runner, coordinator, tmp_path):
    path = tmp_path / "needs.csv"
    path.write_text(NEEDS_CSV)
    result = runner.invoke(args=["import", "needs", str(path), "--as", coordinator.email])
    assert result.exit_code == 0, result.output
    assert "7/7 rows" in result.output
    assert "2 created, 0 updated, 0 unchanged, 5 errors" in result.output
    assert "line 4:" in result.output
    again = runner.invoke(args=["import", "needs", str(path), "--as", coordinator.email])
    assert "0 created, 0 updated, 2 unchanged" in again.output
    bad = runner.invoke(args=["import", "needs", str(path), "--as", "nobody@example.org"])
    assert bad.exit_code != 0


def test_audit_log_is_scoped_to_the_coordinators_team(app, scene, neighbor, admin):
    from mutualaid.audit import record_audit

    record_audit(db.session, scene.wes, "person.suspended", neighbor, {"reason": "west-secret"})
    record_audit(db.session, scene.lee, "person.suspended", neighbor, {"reason": "east-note"})
    lee = login_as(app.test_client(), scene.lee)
    text = text_of(lee.get("/coordinate/audit"))
    assert "east-note" in text and "west-secret" not in text
    text = text_of(login_as(app.test_client(), admin).get("/coordinate/audit"))
    assert "east-note" in text and "west-secret" in text


def test_import_blank_cells_are_row_errors_not_500s(coordinator_client):
    body = (
        "external_id,name,email,categories,radius_km,capacity,location\n"
        "e-1,Empty Loc,el@example.org,groceries,2,1,\n"
        'e-2,No Cats,nc@example.org,,2,1,"40.7085,-73.9570"\n'
        'e-3,Zero Cap,zc@example.org,groceries,2,0,"40.7085,-73.9570"\n'
        'e-4,Bad Mail,not-an-email,groceries,2,1,"40.7085,-73.9570"\n'
    )
    page = coordinator_client.post(
        "/coordinate/csv/import",
        data={
            "csrf_token": coordinator_client.csrf_token(),
            "kind": "offers",
            "file": (io.BytesIO(body.encode()), "offers.csv"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert page.status_code == 200
    text = text_of(page)
    assert "Rows processed: 4 of 4" in text
    assert "e-1" not in {o.external_id for o in db.session.scalars(select(Offer))}
    assert "0 created, 0 updated, 0 unchanged, 4 with errors" in text
    assert "Enter an address" in text and "Choose at least one" in text
    assert "between 1 and 5 pods" in text and "not-an-email" in text


FORMULAS = ('=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)")


def test_exports_write_formula_like_text_as_text(app, scene):
    """CSV injection (OWASP): a cell a spreadsheet would evaluate starts with a quote;
    numbers the export writes itself (ids, counts, a negative longitude) stay numbers."""
    from mutualaid.pods.formation import start_pod

    lee = login_as(app.test_client(), scene.lee)
    for i, name in enumerate(FORMULAS):
        person = make_person(name=name, phone=f"+1718555070{i}")
        make_need(person, code=f"FX{i}", area_id=scene.east.id, address=f"\t{i} Tab St")
    hyperlink = db.session.scalar(select(Person).where(Person.name == FORMULAS[0]))
    lat, lng = offset(0.5)
    make_raw_offer(helper=hyperlink, lat=lat, lng=lng, address_text="=1+2")
    pod = start_pod(db.session, db.session.scalar(select(Need).where(Need.code == "FX0")))
    pod.close_reason = "@evil"
    db.session.flush()

    needs = {r["code"]: r for r in _csv(lee.get("/coordinate/csv/export/needs.csv"))}
    for i, name in enumerate(FORMULAS):
        row = needs[f"FX{i}"]
        assert row["requester"] == "'" + name
        assert row["address"] == f"'\t{i} Tab St"
        assert row["requester_phone"] == f"'+1718555070{i}"  # E.164 "+" is a formula start
        assert row["lng"].startswith("-73.") and row["public_lng"] == "-73.96"  # numbers
        assert row["id"].isdigit() and row["people_needed"] == "2"
    offers = _csv(lee.get("/coordinate/csv/export/offers.csv"))
    offer = next(r for r in offers if r["address"].endswith("=1+2"))
    assert offer["address"] == "'=1+2" and offer["helper"] == "'" + FORMULAS[0]
    assert offer["lng"].startswith("-73.")
    pods = _csv(lee.get("/coordinate/csv/export/pods.csv"))
    assert [r["close_reason"] for r in pods] == ["'@evil"]
    people = {r["id"]: r for r in _csv(lee.get("/coordinate/csv/export/people.csv"))}
    assert people[str(hyperlink.id)]["name"] == "'" + FORMULAS[0]
    assert people[str(hyperlink.id)]["needs"] == "1"
    # Nothing that starts a formula is left at the start of any cell of any export.
    for kind in ("needs", "offers", "pods", "people"):
        text = lee.get(f"/coordinate/csv/export/{kind}.csv").get_data(as_text=True)
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                assert not cell.startswith(("=", "+", "@", "\t", "\r")), (kind, cell)
                assert not cell.startswith("-") or float(cell) < 0, (kind, cell)
