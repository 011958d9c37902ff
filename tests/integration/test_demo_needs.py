"""The demo neighborhood has needs and offers in Brooklyn, loaded idempotently."""

from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import Need, Offer
from tests.conftest import login_as, text_of


def test_demo_posts_needs_and_offers_once(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    needs = db.session.scalars(select(Need)).all()
    offers = db.session.scalars(select(Offer)).all()
    assert len(needs) >= 5 and len(offers) >= 3
    assert all(n.area_id is not None and n.location_status == "ok" for n in needs)
    assert all((n.public_lat, n.public_lng) != (n.lat, n.lng) for n in needs)
    assert {n.category for n in needs} >= {"groceries", "transport", "meals", "childcare"}
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "kept  need" in second.output
    assert db.session.scalar(select(func.count()).select_from(Need)) == len(needs)
    assert db.session.scalar(select(func.count()).select_from(Offer)) == len(offers)


def test_demo_helper_sees_nearby_needs_on_the_board(app, runner):
    from mutualaid.accounts import find_by_email

    runner.invoke(args=["demo"])
    jo = find_by_email(db.session, "jo@demo.mutualaid.test")
    page = text_of(login_as(app.test_client(), jo).get("/needs/board"))
    assert "Maria" in page and "Lopez" not in page and "km away" in page
    assert "Grand St" not in page
