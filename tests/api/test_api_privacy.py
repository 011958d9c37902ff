"""The privacy rule on every API response that carries a place or a person: callers the
web would not show it to never get exact coordinates, the address text, contact details
or the helpers' own places — whatever endpoint they ask."""

from __future__ import annotations

import pytest

from mutualaid.extensions import db
from tests.api.conftest import ADDRESS


def secrets_for(scene, caller):
    """What ``caller`` must never see: the need's exact point and address, people's
    contact details, and the helpers' offer points (except the caller's own offer)."""
    from mutualaid.models import Offer

    helper_offers = db.session.query(Offer).filter(
        Offer.helper_id.in_([scene.seated.id, scene.invited.id]),
        Offer.helper_id != (caller.id if caller else 0),
    )
    strings = [
        ADDRESS,
        "Apt 4B",
        "5550123",
        *(p.email for p in (scene.requester, scene.seated, scene.invited) if p is not caller),
        f"{scene.need.lat}",
        f"{scene.need.lng}",
    ]
    for o in helper_offers:
        strings += [f"{o.lat}", f"{o.lng}"]
    return strings


@pytest.fixture
def private_scene(scene):
    scene.requester.phone = "+17185550123"
    scene.requester.address_text = "Apt 4B, 12 Berry St"
    from mutualaid.models import Offer

    shifts = {scene.seated.id: 0.003, scene.invited.id: 0.005}
    for offer in db.session.query(Offer).filter(Offer.helper_id.in_(shifts)):
        offer.lng += shifts[offer.helper_id]  # every point differs from the others in both axes
    db.session.commit()
    return scene


def _every_response(api, scene):
    need, pod = scene.need.id, scene.pod.id
    yield api.get("/needs?limit=100")
    yield api.get(f"/needs?near={scene.need.lat},{scene.need.lng}&radius_km=0.1")
    yield api.get(f"/needs/{need}")
    yield api.get(f"/needs/{need}/matches")
    yield api.patch(f"/needs/{need}", {"details": "x"})
    yield api.post(f"/needs/{need}/cancel")
    yield api.get("/offers")
    yield api.get("/pods")
    yield api.get(f"/pods/{pod}")
    yield api.post(f"/pods/{pod}/messages", {"body": "hello"})
    yield api.get("/areas")
    yield api.get("/me")


@pytest.mark.parametrize("persona", ["invited", "outsider", "other_coordinator", None])
def test_no_private_detail_reaches_callers_the_web_would_not_show_it_to(
    private_scene, api_as, persona
):
    scene = private_scene
    caller = getattr(scene, persona) if persona else None
    secrets = secrets_for(scene, caller)
    api = api_as(caller)
    for response in _every_response(api, scene):
        text = response.get_data(as_text=True)
        assert response.status_code < 500
        for secret in secrets:
            assert secret not in text, (response.request.path, secret)


def test_the_same_sweep_does_show_them_to_the_requester(private_scene, api_as):
    """The sweep above can fail: for the requester the same calls do carry the place."""
    scene = private_scene
    texts = "".join(
        r.get_data(as_text=True) for r in _every_response(api_as(scene.requester), scene)
    )
    assert ADDRESS in texts and f"{scene.need.lat}" in texts
