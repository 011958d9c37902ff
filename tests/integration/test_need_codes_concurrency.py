"""Two neighbors post at the same moment and draw the same code: PostgreSQL's partial unique
index stops the second insert, and the second post draws again instead of failing."""

import threading

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Need, Person
from tests.cleanup import purge_people


@pytest.mark.committed
@pytest.mark.postgres_only
def test_parallel_posts_that_draw_the_same_code_both_succeed(app, monkeypatch):
    import mutualaid.needs as needs_module
    from mutualaid.geo.geocoding import Place
    from mutualaid.locations import found
    from mutualaid.need_records import NeedInput
    from mutualaid.needs import post_need
    from tests.factories import make_person

    with app.app_context():
        people = [make_person(name=f"Racer {i}") for i in range(2)]
        db.session.commit()
        ids = [p.id for p in people]

    real_new_code = needs_module.new_code
    barrier = threading.Barrier(2, timeout=10)
    drawn: dict[int, int] = {}

    def same_first_code(session, rng=None):
        me = threading.get_ident()
        drawn[me] = drawn.get(me, 0) + 1
        if drawn[me] == 1:
            barrier.wait()  # both have checked that "KKK" is free before either inserts
            return "KKK"
        return real_new_code(session)

    monkeypatch.setattr(needs_module, "new_code", same_first_code)
    codes, errors = {}, []

    def post(person_id: int) -> None:
        try:
            with app.app_context():
                person = db.session.get(Person, person_id)
                need = post_need(
                    db.session,
                    person,
                    NeedInput(category="meals"),
                    found("11211", Place(40.7095, -73.9563, "11211", "postal")),
                )
                db.session.commit()
                codes[person_id] = need.code
        except Exception as exc:  # reported below; a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=post, args=(pid,)) for pid in ids]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert errors == []
        assert sorted(codes) == sorted(ids)
        assert "KKK" in codes.values() and len(set(codes.values())) == 2
    finally:
        with app.app_context():
            purge_people(db.session, ids)
            assert db.session.scalars(select(Need).where(Need.requester_id.in_(ids))).all() == []
