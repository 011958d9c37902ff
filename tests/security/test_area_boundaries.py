"""Issue 16: a coordinator of one area can neither read nor change anything personal about
people who belong only to another area; former group members lose the exact address; the
admin page shows no credentials. (CSV imports and exports: tests/security/test_csv_scope.py.)"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Offer, Person, SmsMessage
from mutualaid.models.messages import INBOUND, OUTBOUND
from mutualaid.models.places import LOCATION_PENDING
from mutualaid.needs import resolve_need
from mutualaid.pods.formation import start_pod
from mutualaid.pods.seating import accept
from tests.conftest import login_as, text_of
from tests.coordinate_scene import two_areas
from tests.factories import make_person
from tests.pod_scene import helpers_at, make_need
from tests.sms.conftest import settings_override as _settings_override


@pytest.fixture
def scene(coordinator):
    return two_areas(coordinator)


@pytest.fixture
def west_texter(scene):
    """Texted in (no home area: sign-up and SMS never set one) and asked for help in
    Westside; her texts hold her exact address."""
    person = make_person(name="Rosa Texter", email=None, password=None, phone="+17185550601")
    need = make_need(person, code="RSA", area_id=scene.west.id, people_needed=1)
    first = SmsMessage(
        direction=INBOUND,
        from_number=person.phone,
        to_number="+15550000000",
        body="NEED groceries 40 Secret Lane apt 3",
        person_id=person.id,
    )
    reply = SmsMessage(
        direction=OUTBOUND,
        from_number="+15550000000",
        to_number=person.phone,
        body=f"Got it: need {need.code}, groceries near 40 Secret Lane",
        person_id=person.id,
        kind="reply",
        status="sent",
    )
    help_text = SmsMessage(
        direction=INBOUND,
        from_number=person.phone,
        to_number="+15550000000",
        body="my door code is 4411, please hurry",
        person_id=person.id,
    )
    db.session.add_all([first, reply, help_text])
    db.session.flush()
    return person, help_text


def test_another_areas_texter_is_not_found_and_her_texts_are_not_shown(
    coordinator_client, scene, west_texter
):
    person, help_text = west_texter
    assert coordinator_client.get(f"/coordinate/people/{person.id}").status_code == 404
    assert "Rosa" not in text_of(coordinator_client.get("/coordinate/people"))
    inbox = text_of(coordinator_client.get("/coordinate/inbox"))
    assert "door code" not in inbox and "Secret Lane" not in inbox
    assert coordinator_client.get(f"/coordinate/inbox/{help_text.id}").status_code == 404


def test_her_own_areas_coordinator_still_reads_her_texts(app, scene, west_texter):
    person, help_text = west_texter
    wes = login_as(app.test_client(), scene.wes)
    page = text_of(wes.get(f"/coordinate/people/{person.id}"))
    assert "Secret Lane" in page and "door code" in page
    message_page = text_of(wes.get(f"/coordinate/inbox/{help_text.id}"))
    assert "door code" in message_page and "Secret Lane" in message_page  # the history


def test_a_texter_who_belongs_nowhere_is_in_every_coordinators_inbox(coordinator_client, app):
    """Nobody asking for help is left unread: a number that never posted is shared."""
    stranger = make_person(name="Texter 0602", email=None, password=None, phone="+17185550602")
    db.session.add(
        SmsMessage(
            direction=INBOUND,
            from_number=stranger.phone,
            to_number="+15550000000",
            body="hello is anyone there, my mom fell",
            person_id=stranger.id,
        )
    )
    db.session.flush()
    assert "my mom fell" in text_of(coordinator_client.get("/coordinate/inbox"))


def test_stuck_locations_list_only_the_coordinators_people(coordinator_client, scene):
    """Finding 5: every pending or failed offer's typed address was shown to everyone."""
    west_helper = make_person(name="Pending Westie")
    west_helper.home_area_id = scene.west.id
    east_helper = make_person(name="Pending Eastie")
    east_helper.home_area_id = scene.east.id
    for helper, text in ((west_helper, "9 Hidden Court"), (east_helper, "3 Known Road")):
        offer = Offer(
            helper_id=helper.id,
            radius_km=2,
            address_text=text,
            location_status=LOCATION_PENDING,
        )
        offer.set_categories(["meals"])
        db.session.add(offer)
    db.session.flush()
    page = text_of(coordinator_client.get("/needs/locations"))
    assert "3 Known Road" in page
    assert "9 Hidden Court" not in page


def test_former_helpers_lose_the_exact_address_when_the_group_closes(app, neighbor, scene):
    """Finding 16: former members kept the exact address until retention ran."""
    need = make_need(neighbor, code="FMR", area_id=scene.east.id, people_needed=1)
    (helper,) = helpers_at(0.5, prefix="Former")
    pod = start_pod(db.session, need)
    accept(db.session, pod, helper)
    db.session.flush()
    helper_client = login_as(app.test_client(), helper)
    assert need.address_text in text_of(helper_client.get(f"/pods/{pod.id}"))
    resolve_need(db.session, need, actor=neighbor)
    db.session.flush()
    page = helper_client.get(f"/pods/{pod.id}")
    assert page.status_code == 200 and need.address_text not in text_of(page)
    assert helper_client.get(f"/needs/{need.id}").status_code == 404
    requester = login_as(app.test_client(), neighbor)
    assert need.address_text in text_of(requester.get(f"/pods/{pod.id}"))  # her own


settings_override = _settings_override  # the fixture, shared with the SMS tests


def test_the_admin_page_masks_credentials(admin_client, app, settings_override):
    settings_override(
        database_url="postgresql+psycopg://mutualaid:hunter2-secret@db.internal:5432/app",
        queue_url="redis://:queue-pw-9@cache.internal:6379/0",
    )
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "db.internal:5432/app" in page and "cache.internal:6379" in page
    assert "hunter2-secret" not in page and "queue-pw-9" not in page


def test_the_policy_and_the_people_directory_agree(scene, west_texter, coordinator):
    """The texts rule and the people rule are the same rule: nothing of Rosa's is readable."""
    from mutualaid.policy import people_filter, texts_filter

    person, _ = west_texter
    visible = db.session.scalars(select(Person.id).where(people_filter(db.session, coordinator)))
    assert person.id not in set(visible)
    texts = db.session.scalars(
        select(SmsMessage.body)
        .outerjoin(Person, Person.id == SmsMessage.person_id)
        .where(SmsMessage.person_id == person.id, texts_filter(db.session, coordinator))
    ).all()
    assert texts == []
