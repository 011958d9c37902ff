"""API pods: who sees a pod and its address, accepting, declining, writing to the thread."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Membership, PodMessage
from tests.api.conftest import ADDRESS, problem


@pytest.mark.parametrize(
    ("persona", "role"),
    [("requester", "member"), ("seated", "member"), ("coordinator", "staff"), ("admin", "staff")],
)
def test_members_and_staff_see_the_address_members_and_thread(scene, api_as, persona, role):
    response = api_as(getattr(scene, persona)).get(f"/pods/{scene.pod.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["your_role"] == role
    assert body["address"] == {"text": ADDRESS, "lat": scene.need.lat, "lng": scene.need.lng}
    assert [(m["first_name"], m["role"]) for m in body["members"]] == [
        ("Maria", "requester"),
        ("Sam", "helper"),
    ]
    assert any("Sam joined" in m["body"] for m in body["messages"])


def test_an_invited_helper_sees_the_invitation_but_not_the_address(scene, api_as):
    response = api_as(scene.invited).get(f"/pods/{scene.pod.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["your_role"] == "invited" and body["address"] is None
    assert body["members"] == [] and body["messages"] == []
    assert body["invitation"]["expires_at"] and "km" in body["invitation"]["reasons"][0]
    assert body["need"]["details"] == "milk, bread, rice"
    assert ADDRESS not in response.get_data(as_text=True)


@pytest.mark.parametrize("persona", ["outsider", "other_coordinator"])
def test_a_pod_does_not_exist_for_anyone_else(scene, api_as, persona):
    api = api_as(getattr(scene, persona))
    for method, url in (
        ("GET", f"/pods/{scene.pod.id}"),
        ("POST", f"/pods/{scene.pod.id}/accept"),
        ("POST", f"/pods/{scene.pod.id}/decline"),
    ):
        response = api.call(method, url)
        assert response.status_code == 404, (method, url)
        assert problem(response)["type"].endswith("#not-found")
    assert api.post(f"/pods/{scene.pod.id}/messages", {"body": "hi"}).status_code == 404


def test_the_invited_helper_accepts_and_then_sees_the_address(scene, api_as):
    api = api_as(scene.invited)
    response = api.post(f"/pods/{scene.pod.id}/accept", {"note": "On my way"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["seated"] is True and body["pod"]["address"]["text"] == ADDRESS
    assert body["pod"]["status"] == "active"  # both seats are taken now
    assert any(m["body"] == "On my way" for m in body["pod"]["messages"])
    # Accepting twice counts once.
    assert api.post(f"/pods/{scene.pod.id}/accept").get_json()["seated"] is True
    db.session.refresh(scene.pod)
    assert scene.pod.seats_taken == 2


def test_a_late_answer_to_a_full_pod_is_a_conflict_with_a_reason(scene, api_as):
    from mutualaid.pods.seating import accept
    from tests.pod_scene import make_helper

    late = make_helper("Lou Late", 1.2)
    from mutualaid.pods.formation import invite_round

    invite_round(db.session, scene.pod)
    assert accept(db.session, scene.pod, scene.invited).seated  # the last seat goes
    db.session.commit()
    response = api_as(late).post(f"/pods/{scene.pod.id}/accept")
    assert response.status_code == 409
    assert problem(response)["reason"] == "full"


def test_declining_frees_the_invitation_once(scene, api_as):
    api = api_as(scene.invited)
    response = api.post(f"/pods/{scene.pod.id}/decline")
    assert response.status_code == 200 and response.get_json() == {"declined": True}
    status = db.session.scalar(
        select(Membership.status).where(
            Membership.pod_id == scene.pod.id, Membership.person_id == scene.invited.id
        )
    )
    assert status == "declined"
    assert api.post(f"/pods/{scene.pod.id}/decline").status_code == 409
    # Declined: the pod no longer exists for them.
    assert api.get(f"/pods/{scene.pod.id}").status_code == 404


def test_members_write_to_the_thread(scene, api_as):
    response = api_as(scene.seated).post(f"/pods/{scene.pod.id}/messages", {"body": "At 6?"})
    assert response.status_code == 201
    assert response.get_json()["author"] == "Sam" and response.get_json()["body"] == "At 6?"
    assert db.session.scalar(select(PodMessage).where(PodMessage.body == "At 6?")) is not None


def test_invited_helpers_cannot_write_to_the_thread(scene, api_as):
    response = api_as(scene.invited).post(f"/pods/{scene.pod.id}/messages", {"body": "hi"})
    assert response.status_code == 404


def test_empty_or_oversized_messages_are_field_errors(scene, api_as):
    api = api_as(scene.requester)
    for body in ({"body": ""}, {"body": "x" * 1001}, {"body": 5}, {}):
        response = api.post(f"/pods/{scene.pod.id}/messages", body)
        assert response.status_code == 422, body
        assert problem(response)["errors"][0]["pointer"] == "/body"


def test_a_closed_pod_takes_no_messages(scene, api_as):
    api = api_as(scene.requester)
    assert api.post(f"/needs/{scene.need.id}/cancel").status_code == 200
    response = api.post(f"/pods/{scene.pod.id}/messages", {"body": "hello?"})
    assert response.status_code == 409


def test_pod_list_is_the_invitations_page(scene, api_as):
    invited = api_as(scene.invited).get("/pods").get_json()["items"]
    assert [(p["id"], p["your_role"], p["address"]) for p in invited] == [
        (scene.pod.id, "invited", None)
    ]
    seated = api_as(scene.seated).get("/pods").get_json()["items"]
    assert [(p["id"], p["your_role"]) for p in seated] == [(scene.pod.id, "member")]
    assert api_as(scene.outsider).get("/pods").get_json()["items"] == []
