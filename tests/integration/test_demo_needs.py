"""The demo neighborhood has needs and offers in Brooklyn, loaded idempotently."""

from sqlalchemy import func, or_, select

from mutualaid.extensions import db
from mutualaid.models import Need, Offer, Person
from tests.conftest import login_as, text_of


def test_demo_posts_needs_and_offers_once(app, runner):
    known = set(db.session.scalars(select(Person.id)))
    before_needs = db.session.scalar(select(func.count()).select_from(Need))
    before_offers = db.session.scalar(select(func.count()).select_from(Offer))
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    demo_people = select(Person.id).where(
        or_(Person.email.like("%@demo.mutualaid.test"), Person.phone.like("+1718555010%"))
    )
    needs = db.session.scalars(select(Need).where(Need.requester_id.in_(demo_people))).all()
    offers = db.session.scalars(select(Offer).where(Offer.helper_id.in_(demo_people))).all()
    assert before_needs + len(needs) == db.session.scalar(select(func.count()).select_from(Need))
    assert before_offers + len(offers) == db.session.scalar(select(func.count()).select_from(Offer))
    assert len(needs) >= 5 and len(offers) >= 3
    assert all(n.area_id is not None and n.location_status == "ok" for n in needs)
    assert all((n.public_lat, n.public_lng) != (n.lat, n.lng) for n in needs)
    assert {n.category for n in needs} >= {"groceries", "transport", "meals", "childcare"}
    # Demo web accounts are confirmed: no "not confirmed" banner, and email notices flow.
    web_people = [
        p
        for p in db.session.scalars(select(Person).where(Person.password_hash.is_not(None)))
        if p.id not in known
    ]
    assert web_people and all(p.email_verified_at is not None for p in web_people)
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0 and "kept  need" in second.output
    assert db.session.scalar(select(func.count()).select_from(Need)) == before_needs + len(needs)
    assert db.session.scalar(select(func.count()).select_from(Offer)) == before_offers + len(offers)


def test_demo_helper_sees_nearby_needs_on_the_board(app, runner):
    from mutualaid.accounts import find_by_email

    runner.invoke(args=["demo"])
    jo = find_by_email(db.session, "jo@demo.mutualaid.test")
    page = text_of(login_as(app.test_client(), jo).get("/needs/board"))
    assert "Maria" in page and "Lopez" not in page and "km away" in page
    assert "Grand St" not in page
