"""The committed migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mutualaid.extensions import db
from mutualaid.matching.schema import include_name, include_object
from mutualaid.models import Base


def test_migrations_match_the_models(app):
    conn = db.session.connection()  # the test's own connection (SQLite has one writer)
    context = MigrationContext.configure(
        conn, opts={"include_object": include_object, "include_name": include_name}
    )
    diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; run flask db migrate: {diff}"


def test_active_need_codes_are_unique_but_finished_ones_free_their_code(app):
    import pytest
    from sqlalchemy.exc import IntegrityError

    from mutualaid.models import Need
    from tests.factories import make_person

    person = make_person()
    db.session.add(Need(code="A7K", requester_id=person.id, category="meals", status="resolved"))
    db.session.add(Need(code="A7K", requester_id=person.id, category="meals", status="open"))
    db.session.flush()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.add(Need(code="A7K", requester_id=person.id, category="meals", status="open"))
        db.session.flush()
