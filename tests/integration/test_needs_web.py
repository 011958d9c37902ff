"""Posting and managing needs on the web: by ZIP, coordinates or address; specific errors
that keep what was typed; an outage that loses nothing and a job that finishes the job."""

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Need
from mutualaid.sweeps import retry_pending_locations
from tests.conftest import text_of
from tests.fakes.nominatim import FakePlace


def _form(**kw):
    data = {
        "category": "groceries",
        "urgency": "today",
        "people_needed": "",
        "details": "Milk, bread and rice for my mother",
        "location": "11211",
        "contact_preference": "web",
    }
    data.update(kw)
    return data


def _only_need(person) -> Need:
    [need] = db.session.scalars(select(Need).where(Need.requester_id == person.id)).all()
    return need


def test_post_a_need_by_zip_code(neighbor_client, neighbor):
    response = neighbor_client.submit("/needs/new", _form(), follow_redirects=True)
    assert response.status_code == 200
    need = _only_need(neighbor)
    assert f"Its code is {need.code}" in text_of(response)
    assert need.location_status == "ok" and need.address_text == "11211"
    assert need.people_needed == 1 and need.status == "matching"  # no helpers nearby yet
    assert (need.public_lat, need.public_lng) != (need.lat, need.lng)
    assert need.expires_at is not None


def test_post_a_need_by_coordinates(neighbor_client, neighbor):
    neighbor_client.submit("/needs/new", _form(location="40.7142,-73.9614", category="childcare"))
    need = _only_need(neighbor)
    assert (need.lat, need.lng) == (40.7142, -73.9614)
    assert need.people_needed == 2  # the category's default


def test_post_a_need_by_address_through_nominatim(
    neighbor_client, neighbor, fake_geocoder, nominatim
):
    nominatim.add(
        "100 bedford ave",
        FakePlace(40.7169, -73.959, "100, Bedford Avenue, Brooklyn, NY 11211, United States"),
    )
    neighbor_client.submit("/needs/new", _form(location="100 Bedford Ave, Brooklyn"))
    need = _only_need(neighbor)
    assert (need.lat, need.lng, need.location_status) == (40.7169, -73.959, "ok")


def _needs_of(person) -> list[Need]:
    return db.session.scalars(select(Need).where(Need.requester_id == person.id)).all()


def test_form_errors_are_specific_and_keep_what_was_typed(neighbor_client, neighbor):
    response = neighbor_client.submit(
        "/needs/new", _form(category="", people_needed="40", details="Please bring soup")
    )
    assert response.status_code == 400
    body = text_of(response)
    assert "Choose a category." in body
    assert "People needed must be between 1 and 15." in body
    html = response.get_data(as_text=True)
    assert "Please bring soup" in html and 'value="11211"' in html and 'value="40"' in html
    assert _needs_of(neighbor) == []


def test_unknown_place_is_explained_and_the_form_kept(neighbor_client, neighbor, fake_geocoder):
    response = neighbor_client.submit("/needs/new", _form(location="Nowhere Lane 999"))
    assert response.status_code == 400
    assert "another spelling, a ZIP code, or coordinates" in text_of(response)
    assert 'value="Nowhere Lane 999"' in response.get_data(as_text=True)
    assert _needs_of(neighbor) == []


def test_unknown_zip_is_explained(neighbor_client):
    response = neighbor_client.submit("/needs/new", _form(location="00000"))
    assert response.status_code == 400
    assert "We do not know the ZIP code 00000" in text_of(response)


def test_ambiguous_place_lists_the_candidates(neighbor_client, fake_geocoder, nominatim):
    nominatim.add(
        "main street",
        FakePlace(40.7035, -73.9909, "Main Street, DUMBO, Brooklyn"),
        FakePlace(40.7590, -73.8302, "Main Street, Flushing, Queens"),
    )
    response = neighbor_client.submit("/needs/new", _form(location="Main Street"))
    assert response.status_code == 400
    body = text_of(response)
    assert "More than one place matches" in body
    assert "Main Street, DUMBO, Brooklyn" in body and "Flushing" in body


def test_outage_saves_the_need_as_pending_and_the_job_resolves_it(
    neighbor_client, neighbor, fake_geocoder, nominatim
):
    nominatim.mode = "down"
    response = neighbor_client.submit(
        "/needs/new", _form(location="100 Bedford Ave, Brooklyn"), follow_redirects=True
    )
    assert response.status_code == 200
    assert "the map service is not answering right now" in text_of(response)
    need = _only_need(neighbor)
    assert need.location_status == "pending" and need.lat is None
    assert need.address_text == "100 Bedford Ave, Brooklyn"
    assert "still looking up this place" in text_of(neighbor_client.get(f"/needs/{need.id}"))

    # Still down: the job keeps it pending and backs off.
    now = datetime.now(UTC) + timedelta(minutes=10)
    counts = retry_pending_locations(db.session, fake_geocoder, now=now)
    assert counts["still_pending"] == 1 and need.location_attempts == 1
    assert retry_pending_locations(db.session, fake_geocoder, now=now)["still_pending"] == 0

    # Back up: the next due run finds it.
    nominatim.mode = "ok"
    nominatim.add("100 bedford ave", FakePlace(40.7169, -73.959, "100, Bedford Avenue"))
    counts = retry_pending_locations(db.session, fake_geocoder, now=now + timedelta(hours=1))
    assert counts["resolved"] == 1
    assert (need.lat, need.lng, need.location_status) == (40.7169, -73.959, "ok")
    assert need.public_lat is not None and need.location_attempts == 0
    # Idempotent: nothing left to do.
    assert retry_pending_locations(db.session, fake_geocoder, now=now + timedelta(hours=2)) == {
        "resolved": 0,
        "failed": 0,
        "still_pending": 0,
    }


def test_a_pending_place_that_turns_out_unknown_asks_the_person_again(
    neighbor_client, neighbor, fake_geocoder, nominatim
):
    nominatim.mode = "down"
    neighbor_client.submit("/needs/new", _form(location="Nowhere Lane 999"))
    nominatim.mode = "ok"
    retry_pending_locations(db.session, fake_geocoder, now=datetime.now(UTC) + timedelta(hours=1))
    need = _only_need(neighbor)
    assert need.location_status == "failed"
    assert "could not find this place" in text_of(neighbor_client.get(f"/needs/{need.id}"))
    # Fixing it with a ZIP code works even though the text is "unchanged" elsewhere.
    neighbor_client.submit(f"/needs/{need.id}/edit", _form(location="11222"))
    assert need.location_status == "ok" and need.address_text == "11222"


def test_coordinators_see_pending_locations(
    neighbor_client, coordinator_client, fake_geocoder, nominatim
):
    nominatim.mode = "down"
    neighbor_client.submit("/needs/new", _form(location="200 Grand St, Brooklyn"))
    page = coordinator_client.get("/needs/locations")
    assert page.status_code == 200
    assert "200 Grand St, Brooklyn" in text_of(page) and "pending" in text_of(page)


def test_neighbors_cannot_see_the_locations_page(neighbor_client):
    assert neighbor_client.get("/needs/locations").status_code == 403


def test_edit_cancel_resolve_and_reopen(neighbor_client, neighbor):
    neighbor_client.submit("/needs/new", _form())
    need = _only_need(neighbor)
    code = need.code
    response = neighbor_client.submit(
        f"/needs/{need.id}/edit",
        _form(urgency="now", details="Only rice now"),
        follow_redirects=True,
    )
    assert "Your request is updated." in text_of(response)
    assert need.urgency == "now" and need.details == "Only rice now" and need.code == code

    neighbor_client.submit(f"/needs/{need.id}/cancel")
    assert need.status == "cancelled" and need.cancelled_at is not None
    page = text_of(neighbor_client.get("/needs/mine"))
    assert "Cancelled" in page

    neighbor_client.submit(f"/needs/{need.id}/reopen")
    assert need.status == "matching"
    neighbor_client.submit(f"/needs/{need.id}/resolve")
    assert need.status == "resolved" and need.resolved_at is not None


def test_an_expired_need_tells_its_requester_and_can_be_reopened(neighbor_client, neighbor):
    from mutualaid.needs import expire_due_needs

    neighbor_client.submit("/needs/new", _form(urgency="now"))
    need = _only_need(neighbor)
    expire_due_needs(db.session, datetime.now(UTC) + timedelta(days=1))
    page = text_of(neighbor_client.get("/needs/mine"))
    assert "expired before neighbors could help" in page and "Re-open" in page
    neighbor_client.submit(f"/needs/{need.id}/reopen")
    assert need.status == "matching"


def test_someone_elses_need_is_not_found(neighbor_client, neighbor, outsider_client):
    neighbor_client.submit("/needs/new", _form())
    need = _only_need(neighbor)
    for url in (f"/needs/{need.id}", f"/needs/{need.id}/edit"):
        assert outsider_client.get(url).status_code == 404
    assert outsider_client.submit(f"/needs/{need.id}/cancel").status_code == 404
    assert need.status == "matching"  # still active, not cancelled


def test_home_doors_lead_to_the_forms(client, neighbor_client):
    html = neighbor_client.get("/").get_data(as_text=True)
    assert 'href="/needs/new"' in html and 'href="/offers/new"' in html
    anon = client.get("/").get_data(as_text=True)
    assert "/auth/signup?next=/needs/new" in anon
    nav = text_of(neighbor_client.get("/needs/mine"))
    assert "My needs" in nav and "My offers" in nav and "Board" in nav


def test_category_names_follow_the_persons_language(app):
    from tests.conftest import login_as
    from tests.factories import make_person

    tomas = make_person(name="Tomás Ortega", language="es")
    db.session.commit()
    page = text_of(login_as(app.test_client(), tomas).get("/needs/new"))
    assert "Compras" in page and "Cuidado de niños" in page and "Groceries" not in page
