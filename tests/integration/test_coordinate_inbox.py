"""The SMS inbox: unplaced texts, sender history, reply by text, attach, create a need,
mark handled; scoped to the coordinator's areas."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, Need, Person, SmsMessage
from mutualaid.models.messages import OUTBOUND
from mutualaid.sms.apply import receive_inbound
from tests.conftest import login_as, text_of
from tests.coordinate_scene import two_areas
from tests.pod_scene import make_need

_sid = itertools.count(1)
NUMBER = "+17185550188"


@pytest.fixture
def scene(coordinator):
    return two_areas(coordinator)


def text_in(body: str, number: str = NUMBER) -> SmsMessage:
    result = receive_inbound(
        db.session,
        sid=f"SMcoord{next(_sid):08d}{number[-4:]}",
        from_number=number,
        to_number="+15005550006",
        body=body,
    )
    return result.message


@pytest.fixture
def texts(scene):
    # Texts the conversation layer cannot place (a request in words, like "can anyone bring
    # food?", is understood and answered since issue 18, so it is not in the inbox).
    first = text_in("my fridge died, what do I do?")
    second = text_in("also i am at 40.7085,-73.9570")
    sender = db.session.get(Person, first.person_id)
    sender.home_area_id = scene.east.id
    db.session.flush()
    return first, second, sender


def test_inbox_lists_unplaced_texts_with_masked_numbers(coordinator_client, texts):
    first, _second, _sender = texts
    text = text_of(coordinator_client.get("/coordinate/inbox"))
    assert "2 texts wait" in text and "my fridge died" in text
    assert "•••-•••-0188" in text and NUMBER not in text
    detail = text_of(coordinator_client.get(f"/coordinate/inbox/{first.id}"))
    assert "also i am at" in detail  # the sender's history
    assert "a coordinator will read your question" in detail  # and what we sent them


def test_reply_by_text_marks_handled_and_is_audited(coordinator_client, texts):
    first, _second, sender = texts
    coordinator_client.submit(f"/coordinate/inbox/{first.id}/reply", {"body": "On it, Lee"})
    out = db.session.scalar(
        select(SmsMessage).where(SmsMessage.direction == OUTBOUND, SmsMessage.body.like("On it%"))
    )
    assert out is not None and out.to_number == NUMBER and out.person_id == sender.id
    assert db.session.get(SmsMessage, first.id).handled_at is not None
    assert "my fridge died" not in text_of(coordinator_client.get("/coordinate/inbox"))
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "sms.replied"))
    page = coordinator_client.submit(
        f"/coordinate/inbox/{texts[1].id}/reply", {"body": " "}, follow_redirects=True
    )
    assert "Write a reply first" in text_of(page)


def test_create_need_from_a_text(coordinator_client, texts):
    first, _second, sender = texts
    page = coordinator_client.submit(
        f"/coordinate/inbox/{first.id}/need",
        {"category": "meals", "urgency": "today", "location": "", "details": ""},
        follow_redirects=True,
    )
    assert "Say where" in text_of(page)
    coordinator_client.submit(
        f"/coordinate/inbox/{first.id}/need",
        {"category": "meals", "urgency": "today", "location": "40.7085,-73.9570", "details": ""},
    )
    need = db.session.scalar(select(Need).where(Need.requester_id == sender.id))
    assert need.category == "meals" and need.details == "my fridge died, what do I do?"
    message = db.session.get(SmsMessage, first.id)
    assert message.need_id == need.id and message.handled_at is not None


def test_attach_to_need_and_mark_handled(coordinator_client, scene, texts):
    first, second, sender = texts
    need = make_need(sender, code="FRDG", area_id=scene.east.id)
    page = coordinator_client.submit(
        f"/coordinate/inbox/{first.id}/attach", {"code": "ZZZZ"}, follow_redirects=True
    )
    assert "No open need" in text_of(page)
    coordinator_client.submit(f"/coordinate/inbox/{first.id}/attach", {"code": "frdg"})
    assert db.session.get(SmsMessage, first.id).need_id == need.id
    coordinator_client.submit(f"/coordinate/inbox/{second.id}/handled")
    assert db.session.get(SmsMessage, second.id).handled_at is not None
    assert "No texts waiting" in text_of(coordinator_client.get("/coordinate/inbox"))


def test_other_areas_coordinator_does_not_see_the_text(app, scene, texts):
    first, _second, _sender = texts
    wes = login_as(app.test_client(), scene.wes)
    assert "my fridge died" not in text_of(wes.get("/coordinate/inbox"))
    assert wes.get(f"/coordinate/inbox/{first.id}").status_code == 404
    assert wes.submit(f"/coordinate/inbox/{first.id}/handled").status_code == 404
