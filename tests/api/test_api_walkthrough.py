"""The issue's "done when": a script that knows only the OpenAPI document (it finds every
URL by operationId) and a token per person creates an offer, posts a need, reads the
need's matches as a coordinator and accepts the invitation as a helper."""

from __future__ import annotations

from mutualaid.extensions import db
from tests.factories import make_area, make_person
from tests.pod_scene import HOME


class Script:
    """An API client that learns the routes from openapi.json."""

    def __init__(self, api):
        self.api = api
        doc = api.client.get("/api/v1/openapi.json").get_json()
        base = doc["servers"][0]["url"]
        self.routes = {
            op["operationId"]: (method.upper(), base + path)
            for path, ops in doc["paths"].items()
            for method, op in ops.items()
        }

    def do(self, operation_id, body=None, **params):
        method, url = self.routes[operation_id]
        url = url.format(**params)
        return self.api.call(method, url, body)


def test_a_script_using_only_the_document_runs_the_whole_flow(app, api_as):
    area = make_area(slug="wb", center_lat=HOME[0], center_lng=HOME[1], radius_km=5.0)
    coordinator = make_person("coordinator", name="Cora Ordinator")
    coordinator.areas = [area]
    helpers = [make_person(name=f"Helper{i} Test") for i in range(3)]
    requester = make_person(name="Rae Quester")
    db.session.commit()

    for i, helper in enumerate(helpers):
        made = Script(api_as(helper)).do(
            "create_offer",
            {
                "categories": ["errands"],
                "radius_km": 5,
                "location": {"lat": HOME[0] + 0.002 * (i + 1), "lng": HOME[1]},
            },
        )
        assert made.status_code == 201

    posted = Script(api_as(requester)).do(
        "create_need",
        {
            "category": "errands",
            "people_needed": 1,
            "details": "Pick up a prescription",
            "location": {"lat": HOME[0], "lng": HOME[1]},
        },
    )
    assert posted.status_code == 201
    need_id = posted.get_json()["id"]

    matches = Script(api_as(coordinator)).do("need_matches", need_id=need_id)
    assert matches.status_code == 200
    # Two were invited (one seat, asked twice over); the third is the next in line.
    [next_in_line] = matches.get_json()["items"]
    assert next_in_line["person_id"] == helpers[2].id and next_in_line["reasons"]

    helper = Script(api_as(helpers[0]))
    [invitation] = helper.do("list_pods").get_json()["items"]
    assert invitation["your_role"] == "invited" and invitation["need"]["id"] == need_id
    accepted = helper.do("accept_pod", {"note": "I can go at 5"}, pod_id=invitation["id"])
    assert accepted.status_code == 200 and accepted.get_json()["seated"] is True
    assert accepted.get_json()["pod"]["address"]["lat"] == HOME[0]
