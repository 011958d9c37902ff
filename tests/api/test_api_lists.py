"""Lists: cursor pagination that neither repeats nor skips, and the filters."""

from __future__ import annotations

import pytest

from mutualaid.extensions import db
from tests.api.conftest import problem
from tests.factories import make_need, make_person


@pytest.fixture
def many(scene):
    """Seven more needs by one neighbor: four groceries near HOME, three meals far north."""
    person = make_person(name="Pat Poster")
    near = [make_need(person, at=(40.7090, -73.9580)) for _ in range(4)]
    far = [make_need(person, category="meals", at=(40.7644, -73.9235)) for _ in range(3)]
    db.session.commit()
    return person, near, far


def _all_pages(api, query: str, limit: int) -> list[list[int]]:
    pages, cursor = [], None
    while True:
        url = f"/needs?limit={limit}{query}" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(url).get_json()
        pages.append([n["id"] for n in body["items"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages


def test_pages_cover_everything_once_newest_first(many, api_as):
    person, near, far = many
    api = api_as(person)
    pages = _all_pages(api, "", 3)
    ids = [i for page in pages for i in page]
    assert len(ids) == len(set(ids))
    expected = sorted([n.id for n in near + far], reverse=True)
    assert [i for i in ids if i in expected] == expected
    assert all(len(p) == 3 for p in pages[:-1])


def test_filters_by_status_category_area_and_nearness(many, scene, api_as):
    person, near, far = many
    api = api_as(person)

    def ids(query: str) -> set[int]:
        return {i for page in _all_pages(api, query, 50) for i in page}

    mine = {n.id for n in near + far}
    assert ids("&category=meals") & mine == {n.id for n in far}
    assert ids("&area=williamsburg") & mine == {n.id for n in near}
    assert ids(f"&area={scene.other_area_id}") & mine == {n.id for n in far}
    assert ids("&near=40.7644,-73.9235&radius_km=2") & mine == {n.id for n in far}
    assert ids("&near=40.7085,-73.9575&radius_km=1") & mine == {n.id for n in near}
    far[0].status = "resolved"
    db.session.commit()
    assert ids("&status=resolved") == {far[0].id}


def test_closed_needs_of_others_are_not_listed(many, api_as, outsider):
    person, near, far = many
    far[0].status = "cancelled"
    db.session.commit()
    listed = {n["id"] for n in api_as(outsider).get("/needs?limit=100").get_json()["items"]}
    assert far[0].id not in listed and near[0].id in listed
    assert far[0].id in {
        n["id"] for n in api_as(person).get("/needs?limit=100").get_json()["items"]
    }


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("cursor=garbage", "cursor"),
        ("cursor=eyJiZWZvcmUiOiAiMSJ9", "cursor"),  # {"before": "1"}
        ("limit=0", "limit"),
        ("limit=1000", "limit"),
        ("limit=ten", "limit"),
        ("near=91,0", "near"),
        ("near=north", "near"),
        ("radius_km=1e400", "radius_km"),
        ("status=lost", "status"),
        ("area=nowhere", "area"),
    ],
)
def test_bad_list_parameters_are_field_errors(scene, api_as, query, field):
    response = api_as(scene.outsider).get(f"/needs?{query}")
    assert response.status_code == 422, query
    assert problem(response)["errors"][0]["field"] == field
