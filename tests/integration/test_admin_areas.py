"""Admins set up areas and choose their coordinators in the browser."""

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Area, AuditEvent
from tests.conftest import text_of
from tests.factories import make_area, make_person

FORM = {
    "name": "East Side",
    "slug": "east-side",
    "center_lat": "40.7150",
    "center_lng": "-73.9400",
    "radius_km": "2.5",
    "timezone": "America/New_York",
    "units": "mi",
}


def test_admin_creates_an_area_with_coordinators(admin_client, coordinator):
    response = admin_client.submit(
        "/admin/areas/new", {**FORM, "coordinators": [str(coordinator.id)]}
    )
    assert response.status_code == 303
    area = db.session.scalar(select(Area).where(Area.slug == "east-side"))
    assert (area.name, area.radius_km, area.units) == ("East Side", 2.5, "mi")
    assert [p.id for p in area.coordinators] == [coordinator.id]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"area.created", "area.coordinators_changed"} <= actions
    assert "East Side" in text_of(admin_client.get("/admin/"))


def test_bad_area_input_is_explained_and_kept(admin_client):
    for change, message in [
        ({"slug": "East Side!"}, "Use lowercase letters"),
        ({"center_lat": "123"}, "Latitude must be between"),
        ({"radius_km": "lots"}, "Enter a number"),
        ({"timezone": "Mars/Olympus"}, "time zone name"),
    ]:
        response = admin_client.submit("/admin/areas/new", {**FORM, **change})
        assert response.status_code == 400, change
        assert message in text_of(response)
        assert 'value="East Side"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Area).where(Area.name == "East Side")) is None


def test_only_coordinators_can_be_assigned(admin_client, neighbor):
    area = make_area(slug="west")
    db.session.commit()
    response = admin_client.submit(
        f"/admin/areas/{area.id}",
        {**FORM, "slug": "west", "coordinators": [str(neighbor.id)]},
    )
    assert response.status_code == 400
    assert "is not a coordinator" in text_of(response)
    db.session.refresh(area)
    assert area.coordinators == []


def test_editing_keeps_the_slug_unique(admin_client):
    make_area(slug="taken")
    other = make_area(slug="mine")
    db.session.commit()
    response = admin_client.submit(f"/admin/areas/{other.id}", {**FORM, "slug": "taken"})
    assert response.status_code == 400 and "already uses that short name" in text_of(response)
    assert make_person  # factories used above
