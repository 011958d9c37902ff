"""The open-needs board (snapped distance, category filter, first names only) and the
privacy promise: nobody but the requester and coordinators ever receives someone else's
exact coordinates or address text."""

import re

import pytest

from mutualaid.extensions import db
from mutualaid.geo.distance import haversine_km
from tests.conftest import login_as, text_of
from tests.factories import make_need, make_offer, make_person
from tests.fakes.nominatim import FakePlace

HOME = (40.7112345, -73.9671234)
ADDRESS = "347 Kent Avenue Apt 5C, Brooklyn"
SECRETS = ("40.71123", "73.96712", "Kent Avenue", "Apt 5C")


@pytest.fixture
def secret_need(neighbor_client, neighbor, fake_geocoder, nominatim):
    nominatim.add("347 kent avenue apt 5c", FakePlace(*HOME, "347, Kent Avenue, Brooklyn"))
    neighbor_client.submit(
        "/needs/new",
        {
            "category": "meals",
            "urgency": "today",
            "details": "Soup for two",
            "location": ADDRESS,
            "contact_preference": "web",
        },
    )
    from sqlalchemy import select

    from mutualaid.models import Need

    need = db.session.scalar(select(Need).where(Need.requester_id == neighbor.id))
    assert (need.lat, need.lng) == HOME and need.address_text == ADDRESS
    return need


def _get_routes(app, ids: dict[str, int]):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        url = rule.rule
        for arg in rule.arguments:
            url = re.sub(rf"<(?:\w+:)?{arg}>", str(ids.get(arg, 1)), url)
        yield url


def _assert_no_secrets(response, url):
    body = response.get_data(as_text=True)
    for secret in SECRETS:
        assert secret not in body, f"{url} leaked {secret!r}"


def test_no_response_to_others_contains_the_exact_place(
    app, secret_need, neighbor, helper, outsider, neighbor_client
):
    # The helper has an offer right next door, so the need is on their board.
    offer = make_offer(helper, at=(40.7120, -73.9650))
    db.session.commit()
    ids = {"need_id": secret_need.id, "offer_id": offer.id, "person_id": neighbor.id}
    for person in (helper, outsider):
        client = login_as(app.test_client(), person)
        for url in [*_get_routes(app, ids), "/needs/board?category=meals", "/needs/board"]:
            _assert_no_secrets(client.get(url), url)
    anonymous = app.test_client()
    for url in _get_routes(app, ids):
        _assert_no_secrets(anonymous.get(url), url)
    # The board does show the need to the helper, by first name, without the surname.
    board = text_of(login_as(app.test_client(), helper).get("/needs/board"))
    assert secret_need.code in board and "Maria" in board and "Lopez" not in board
    # And the owner does see their own address.
    assert ADDRESS in text_of(neighbor_client.get(f"/needs/{secret_need.id}"))


def test_coordinators_of_the_area_see_the_address(app, secret_need, coordinator_client):
    page = text_of(coordinator_client.get(f"/needs/{secret_need.id}"))
    assert ADDRESS in page and "Asked by Maria Lopez" in page


def test_coordinators_of_another_area_do_not(app, neighbor, coordinator):
    from tests.factories import make_area

    here, elsewhere = make_area(slug="here"), make_area(slug="elsewhere", center_lat=40.60)
    coordinator.areas = [elsewhere]
    need = make_need(neighbor, address_text=ADDRESS)
    need.area_id = here.id
    db.session.commit()
    assert login_as(app.test_client(), coordinator).get(f"/needs/{need.id}").status_code == 404


def test_the_public_point_is_the_cell_centre_not_the_home(secret_need):
    assert (secret_need.public_lat, secret_need.public_lng) != HOME
    assert haversine_km(*HOME, secret_need.public_lat, secret_need.public_lng) < 0.36


def test_board_lists_nearby_open_needs_with_snapped_distance_and_filters(app, helper):
    requester = make_person(name="Priya Shah")
    near = make_need(requester, category="groceries", at=(40.7150, -73.9560))
    near_meal = make_need(requester, category="meals", at=(40.7180, -73.9500))
    far = make_need(requester, category="groceries", at=(40.6000, -73.8000))  # ~18 km
    closed = make_need(requester, category="groceries", at=(40.7150, -73.9560))
    closed.status = "resolved"
    make_offer(helper, at=(40.7150, -73.9540), radius_km=3)
    db.session.commit()
    client = login_as(app.test_client(), helper)

    page = text_of(client.get("/needs/board"))
    assert near.code in page and near_meal.code in page
    assert far.code not in page and closed.code not in page
    assert "Priya" in page and "Shah" not in page
    assert "about 0.5 km away" in page  # snapped, rounded to half a kilometre
    distances = [float(x) for x in re.findall(r"about ([\d.]+) km away", page)]
    assert distances == sorted(distances)  # nearest first

    filtered = text_of(client.get("/needs/board?category=meals"))
    assert near_meal.code in filtered and near.code not in filtered


def test_board_without_a_known_area_shows_the_newest_everywhere(app, outsider):
    need = make_need(make_person(), at=(40.6000, -73.8000))
    db.session.commit()
    page = text_of(login_as(app.test_client(), outsider).get("/needs/board"))
    assert need.code in page and "We do not know your area yet" in page
    assert "km away" not in page
