from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import AuditEvent
from tests.conftest import text_of
from tests.factories import make_person
from tests.pod_scene import make_need


def test_admin_changes_a_role_and_it_is_audited(admin_client, admin, neighbor):
    response = admin_client.submit(f"/admin/people/{neighbor.id}/role", {"role": "coordinator"})
    assert response.status_code == 303
    db.session.refresh(neighbor)
    assert neighbor.role == "coordinator"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.role_changed"))
    assert event.actor_id == admin.id and event.target_id == neighbor.id
    assert event.details == {"from": "neighbor", "to": "coordinator"}


def test_bad_role_is_refused_with_a_message(admin_client, neighbor):
    response = admin_client.submit(
        f"/admin/people/{neighbor.id}/role", {"role": "overlord"}, follow_redirects=True
    )
    assert "Role must be one of" in text_of(response)
    db.session.refresh(neighbor)
    assert neighbor.role == "neighbor"


def test_people_directory_masks_phones_and_searches(coordinator_client):
    sam = make_person(name="Sam Green", phone="+17185550103", email=None, password=None)
    make_need(sam, area_id=None)  # outside every area: every coordinator's
    make_need(make_person(name="Priya Shah"), code="PRY", area_id=None)
    page = coordinator_client.get("/admin/people?q=0103")
    body = text_of(page)
    assert "Sam Green" in body and "Priya Shah" not in body
    assert (
        "0103" in body
        and "555-0103" not in body
        and "+17185550103" not in page.get_data(as_text=True)
    )


def test_coordinators_see_people_but_cannot_change_roles(coordinator_client, neighbor):
    make_need(neighbor, area_id=None)
    page = coordinator_client.get("/admin/people")
    assert page.status_code == 200 and neighbor.name in text_of(page)
    assert "Role for" not in page.get_data(as_text=True)
