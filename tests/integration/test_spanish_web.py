"""A Spanish-speaking web user goes through a whole pod without an English sentence: the
pages, the statuses, the match reasons, the thread's notices, dates in Spanish."""

from __future__ import annotations

import re

import pytest

from mutualaid import i18n_catalog
from mutualaid.extensions import db
from mutualaid.pods import lifecycle, thread
from mutualaid.pods.formation import start_pod
from mutualaid.pods.seating import accept
from tests.conftest import login_as, text_of
from tests.pod_scene import make_helper, make_need


@pytest.fixture(scope="module")
def english_fragments() -> list[str]:
    """Literal pieces (12+ chars, two words or more) of every English msgid whose Spanish
    differs: none of them may show up on a Spanish page."""
    catalog = i18n_catalog.load_catalog("es")
    pieces = set()
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if msgid in strings:
                continue
            for piece in re.split(r"%\(\w+\)[sd]|<[^>]+>", msgid):
                piece = piece.strip(" .,:;()·")
                if len(piece) >= 12 and " " in piece:
                    pieces.add(piece)
    return sorted(pieces)


def _no_english(page: str, fragments: list[str]) -> None:
    leaks = [f for f in fragments if f in page]
    assert not leaks, f"English on a Spanish page: {leaks}\n{page}"


def test_a_spanish_pod_from_both_sides(client, neighbor, english_fragments):
    neighbor.language = "es"
    ana = make_helper("Ana Ruiz", 0.6, language="es")
    sam = make_helper("Sam Green", 0.8)  # reads English; the thread is shared
    lee = make_helper("Lee Kim", 1.2)
    need = make_need(neighbor, people_needed=3)
    pod = start_pod(db.session, need)
    db.session.commit()

    login_as(client, ana)
    invitations = text_of(client.get("/invitations"))
    assert "Compras" in invitations and "habla español" in invitations and "a 0.6 km" in invitations
    _no_english(invitations, english_fragments)

    accept(db.session, pod, ana)  # posted outside any request: stored in English
    accept(db.session, pod, sam)
    thread.post_message(db.session, pod, sam, "On my way")
    accept(db.session, pod, lee)
    lifecycle.leave(db.session, pod, sam)
    db.session.commit()

    for url in ("/invitations", "/notifications", f"/pods/{pod.id}", "/needs/board"):
        _no_english(text_of(client.get(url)), english_fragments)
    pod_page = text_of(client.get(f"/pods/{pod.id}"))
    assert "Ana se unió al grupo." in pod_page and "Sam tuvo que irse" in pod_page
    assert "On my way" in pod_page  # a neighbor's own words are never translated
    assert re.search(r"\b\d{1,2} [a-z]+\.? \d{1,2}:\d{2}\b", pod_page)  # "25 nov 14:05"

    login_as(client, neighbor)
    for url in ("/", "/needs/new", "/needs/mine", f"/needs/{need.id}", f"/pods/{pod.id}"):
        _no_english(text_of(client.get(url)), english_fragments)
    detail = text_of(client.get(f"/needs/{need.id}"))
    assert re.search(r"Publicado \d{1,2} \w+\.? \d{4}, \d{1,2}:\d{2}", detail)

    # The English reader of the same thread reads English notices.
    login_as(client, lee)
    english = text_of(client.get(f"/pods/{pod.id}"))
    assert "Ana joined the pod." in english and "Sam had to leave" in english
    assert re.search(r"\b[A-Z][a-z]{2} \d{1,2} \d{1,2}:\d{2}\s?[AP]M", english)  # "Nov 25 2:05 PM"


def test_relayed_notices_reach_each_texter_in_their_language(neighbor):
    from sqlalchemy import select

    from mutualaid.models import SmsMessage

    texter = dict(sms_preference="only", email=None, password=None, sms_consent="opted_in")
    rosa = make_helper("Rosa Díaz", 0.5, phone="+17185550141", language="es", **texter)
    tom = make_helper("Tom Lee", 0.7, phone="+17185550142", language="en", **texter)
    jo = make_helper("Jo Park", 0.9)
    need = make_need(neighbor, people_needed=3)
    pod = start_pod(db.session, need)
    for person in (rosa, tom, jo):
        accept(db.session, pod, person)
    lifecycle.leave(db.session, pod, jo)

    def last(number):
        return db.session.scalars(
            select(SmsMessage.body)
            .where(SmsMessage.to_number == number)
            .order_by(SmsMessage.id.desc())
        ).first()

    assert (
        last(rosa.phone)
        == f"[{pod.code}] mutualaid: Jo tuvo que irse; estamos invitando a otra persona."
    )
    assert (
        last(tom.phone) == f"[{pod.code}] mutualaid: Jo had to leave; we're inviting someone else."
    )


def test_distances_follow_the_area_units(client, neighbor):
    from mutualaid.models import Area

    area = Area(
        slug="milltown-mi",
        name="Milltown",
        center_lat=40.70,
        center_lng=-73.95,
        radius_km=5,
        units="mi",
    )
    db.session.add(area)
    db.session.flush()
    helper = make_helper("Ana Ruiz", 1.6, language="es", home_area_id=area.id)
    need = make_need(neighbor, people_needed=1, area_id=area.id)
    start_pod(db.session, need)
    db.session.commit()
    login_as(client, helper)
    page = text_of(client.get("/invitations"))
    assert re.search(r"a 1\.0 mi\b", page)
    board = text_of(client.get("/needs/board"))
    assert " mi" in board and "km" not in board.replace("kilómetro", "")


def test_the_coordinator_workspace_in_spanish(coordinator, coordinator_client, english_fragments):
    from mutualaid.sms.apply import receive_inbound
    from tests.coordinate_scene import two_areas

    scene = two_areas(coordinator)
    coordinator.language = "es"
    requester = make_helper("Rosa Díaz", 0.1)
    ana = make_helper("Ana Ruiz", 0.6, language="es")
    need = make_need(requester, people_needed=1, area_id=scene.east.id)
    pod = start_pod(db.session, need)
    accept(db.session, pod, ana)
    message = receive_inbound(
        db.session,
        sid="SMspanishcoord000000001",
        from_number="+17185550177",
        to_number="+15005550006",
        body="Hola, se me rompió el refri",
    ).message
    db.session.commit()
    pages = [
        "/coordinate/",
        f"/coordinate/needs/{need.id}",
        f"/coordinate/pods/{pod.id}",
        "/coordinate/pods",
        "/coordinate/inbox",
        f"/coordinate/inbox/{message.id}",
        f"/coordinate/people/{ana.id}",
        "/coordinate/gaps",
        "/coordinate/metrics",
        "/coordinate/map",
        "/coordinate/audit",
        "/coordinate/csv",
        "/account/tokens",
        "/account/phone",
    ]
    for url in pages:
        response = coordinator_client.get(url)
        assert response.status_code == 200, url
        page = text_of(response)
        _no_english(page, english_fragments)
        for raw in ("(matching)", " forming ", "groceries", " accepted", " helper,"):
            assert raw not in page, (url, raw)
    pod_page = text_of(coordinator_client.get(f"/coordinate/pods/{pod.id}"))
    assert "Compras" in pod_page and "voluntario, aceptó" in pod_page
