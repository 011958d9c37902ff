from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import Area, Person


def test_create_user_makes_a_coordinator(runner):
    result = runner.invoke(
        args=[
            "create-user",
            "--name",
            "Lee Park",
            "--email",
            "LEE@example.org",
            "--password",
            "a long password!",
            "--role",
            "coordinator",
            "--phone",
            "718 555 0199",
        ]
    )
    assert result.exit_code == 0, result.output
    person = db.session.scalar(select(Person).where(Person.email == "lee@example.org"))
    assert person.role == "coordinator" and person.phone == "+17185550199"


def test_create_user_reports_bad_input_without_a_traceback(runner):
    result = runner.invoke(
        args=["create-user", "--name", "X", "--email", "x@example.org", "--password", "short"]
    )
    assert result.exit_code != 0
    assert "at least 10 characters" in result.output
    assert "Traceback" not in result.output


def test_demo_is_idempotent(runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    people = db.session.scalar(select(func.count()).select_from(Person))
    areas = db.session.scalar(select(func.count()).select_from(Area))
    assert people >= 8 and areas >= 3
    assert "added coordinator Lee Park" in first.output
    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0
    assert "kept  coordinator Lee Park" in second.output
    assert db.session.scalar(select(func.count()).select_from(Person)) == people
    assert db.session.scalar(select(func.count()).select_from(Area)) == areas
    sms_only = db.session.scalars(select(Person).where(Person.sms_preference == "only")).all()
    assert sms_only and all(p.password_hash is None and p.phone for p in sms_only)
