"""Issue 17: the offer form asks for the travel distance in the person's area's units
(miles where the area says so), shows a saved offer in them and stores km."""

from __future__ import annotations

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Offer
from tests.conftest import login_as, text_of
from tests.factories import make_area, make_person


def _form(**kw):
    data = {
        "categories": ["transport"],
        "radius_km": "3",
        "when": "any",
        "start": "18:00",
        "end": "21:00",
        "capacity": "1",
        "location": "11211",
        "notes": "",
    }
    data.update(kw)
    return data


def _neighbor(app, units: str):
    area = make_area(units=units)
    person = make_person("neighbor", home_area_id=area.id)
    db.session.commit()
    return person, login_as(app.test_client(), person)


def _only_offer(person) -> Offer:
    db.session.expire_all()
    [offer] = db.session.scalars(select(Offer).where(Offer.helper_id == person.id)).all()
    return offer


def test_a_miles_area_asks_in_miles_and_stores_km(app):
    person, client = _neighbor(app, "mi")
    page = text_of(client.get("/offers/new"))
    assert "How far can you go (miles)?" in page and "(km)" not in page
    response = client.submit("/offers/new", _form(radius_km="3"), follow_redirects=True)
    assert "Your offer is saved" in text_of(response)
    offer = _only_offer(person)
    assert offer.radius_km == 4.8
    html = client.get(f"/offers/{offer.id}/edit").get_data(as_text=True)
    assert "How far can you go (miles)?" in html and 'value="3.0"' in html
    client.submit(f"/offers/{offer.id}/edit", _form(radius_km="2"))
    assert _only_offer(person).radius_km == 3.2


def test_miles_limits_hold_after_conversion_and_are_named_in_miles(app):
    person, client = _neighbor(app, "mi")
    response = client.submit("/offers/new", _form(radius_km="40"))
    assert response.status_code == 400
    assert "Travel distance must be between 0.4 and 31.0 miles." in text_of(response)
    response = client.submit("/offers/new", _form(radius_km="0.2"))
    assert "between 0.4 and 31.0 miles" in text_of(response)
    client.submit("/offers/new", _form(radius_km="31"))  # 49.9 km: inside the limit
    assert _only_offer(person).radius_km == 49.9


def test_a_km_area_still_asks_in_km(app):
    person, client = _neighbor(app, "km")
    page = text_of(client.get("/offers/new"))
    assert "How far can you go (km)?" in page and "miles" not in page
    client.submit("/offers/new", _form(radius_km="3"))
    offer = _only_offer(person)
    assert offer.radius_km == 3.0
    assert 'value="3.0"' in client.get(f"/offers/{offer.id}/edit").get_data(as_text=True)
    response = client.submit("/offers/new", _form(radius_km="60"))
    assert "Travel distance must be between 0.5 and 50 km." in text_of(response)


def test_spanish_labels_in_miles(app):
    area = make_area(units="mi")
    person = make_person("neighbor", home_area_id=area.id, language="es")
    db.session.commit()
    client = login_as(app.test_client(), person)
    assert "¿Hasta qué distancia puedes ir (millas)?" in text_of(client.get("/offers/new"))


def test_without_a_home_area_editing_uses_the_offers_area(app, helper_client, helper):
    make_area(units="mi")  # around ZIP 11211, where the offer is
    db.session.commit()
    assert "(km)" in text_of(helper_client.get("/offers/new"))  # no place known yet
    helper_client.submit("/offers/new", _form(radius_km="4.8"))
    offer = _only_offer(helper)
    html = helper_client.get(f"/offers/{offer.id}/edit").get_data(as_text=True)
    assert "How far can you go (miles)?" in html and 'value="3.0"' in html
