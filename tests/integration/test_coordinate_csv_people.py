"""CSV people export (scoped, PII marked, audited) and import (idempotent by email/phone,
per-row errors, consent), imports run as jobs with a progress page, and the CLI."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from mutualaid.extensions import db
from mutualaid.models import AuditEvent, ImportJob, Offer, Person
from mutualaid.models.imports import IMPORT_RUNNING
from mutualaid.notify import gets_texts
from mutualaid.workspace import csv_common, import_jobs
from tests.conftest import login_as, text_of
from tests.coordinate_scene import two_areas
from tests.factories import make_person
from tests.pod_scene import make_need


@pytest.fixture
def scene(coordinator):
    return two_areas(coordinator)


def _post(client, body: str, kind: str = "people", name: str = "people.csv"):
    return client.post(
        "/coordinate/csv/import",
        data={
            "csrf_token": client.csrf_token(),
            "kind": kind,
            "file": (io.BytesIO(body.encode()), name),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )


def _errors(response) -> dict[str, str]:
    """The "Rows not imported" table: line number -> problem."""
    html = response.get_data(as_text=True)
    return dict(re.findall(r"<tr><td>(\d+)</td><td>([^<]*)</td></tr>", html))


def _csv(response):
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_people_export_is_scoped_marks_pii_and_is_audited(app, scene):
    mine = make_person(name="Mo Mine", phone="+17185550301", email="mo@example.org")
    make_need(mine, code="MINE", area_id=scene.east.id)
    mine.home_area_id = scene.east.id
    mine.address_text = "4 Private Pl"
    theirs = make_person(name="Tia Theirs", phone="+17185550302")
    make_need(theirs, code="THRS", area_id=scene.west.id)
    texter = make_person(name="Uma Unplaced", email=None, password=None, phone="+17185550303")
    from mutualaid.models import SmsMessage

    db.session.add(
        SmsMessage(
            direction="in",
            from_number=texter.phone,
            to_number="+1555",
            body="?",
            person_id=texter.id,
        )
    )
    db.session.flush()
    lee = login_as(app.test_client(), scene.lee)
    response = lee.get("/coordinate/csv/export/people.csv")
    assert response.headers["Content-Disposition"].endswith('mutualaid-people.csv"')
    rows = {r["name"]: r for r in _csv(response)}
    assert "Tia Theirs" not in rows  # another area's person is not exported at all
    assert rows["Mo Mine"]["exact"] == "yes"
    # A leading "+" would start a formula in a spreadsheet: the cell is written as text.
    assert rows["Mo Mine"]["phone"] == "'+17185550301"
    assert rows["Mo Mine"]["email"] == "mo@example.org"
    assert rows["Mo Mine"]["address"] == "4 Private Pl" and rows["Mo Mine"]["needs"] == "1"
    # The shared inbox's unplaced texter is listed, but their number is masked.
    assert rows["Uma Unplaced"]["exact"] == "no"
    assert rows["Uma Unplaced"]["phone"] == "'+1 •••-•••-0303"
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "csv.exported").order_by(AuditEvent.id.desc())
    )
    assert event.details == {"kind": "people"} and event.actor_id == scene.lee.id


PEOPLE_CSV = """name,email,phone,language,sms,sms_consent,area
Ana Uno,ana@example.org,,es,,,
Ben Dos,,+1 718 555 0401,en,only,yes,Eastside
Cy Tres,cy@example.org,+1 718 555 0402,,notify,,
Di Cuatro,not-an-email,,,,,
Ed Cinco,,12,,,,
Fay Seis,fay@example.org,,klingon,,,
Ana Again,ANA@example.org,,,,,
Gus Siete,gus@example.org,,,,,Westside
Hal Ocho,hal@example.org,,,,,Atlantis
"""


def test_people_import_is_idempotent_with_errors_per_line(coordinator_client, scene):
    response = _post(coordinator_client, PEOPLE_CSV)
    page = text_of(response)
    assert "Import finished." in page
    assert "Rows processed: 9 of 9" in page
    assert "2 created, 0 updated, 0 unchanged, 7 with errors" in page
    errors = _errors(response)
    for line, problem in (
        ("4", "consent"),  # Cy: texts asked for without consent
        ("5", "not an email address"),
        ("6", "not a phone number"),
        ("7", "Unknown language"),
        ("8", "appears twice"),
        ("9", "do not coordinate"),
        ("10", "Unknown area"),
    ):
        assert problem in errors[line], (line, errors)
    ana = db.session.scalar(select(Person).where(Person.email == "ana@example.org"))
    ben = db.session.scalar(select(Person).where(Person.phone == "+17185550401"))
    assert ana.language == "es" and ana.home_area_id == scene.east.id
    assert not ana.has_password and not ben.has_password  # imported people get no password
    assert not gets_texts(ana)  # no consent column: no texts until they opt in themselves
    assert ben.sms_preference == "only" and ben.sms_consent == "opted_in" and gets_texts(ben)
    consent = db.session.scalar(
        select(AuditEvent).where(
            AuditEvent.action == "sms.opted_in", AuditEvent.target_id == ben.id
        )
    )
    assert "csv import" in consent.details["source"]

    count = db.session.scalar(select(func.count()).select_from(Person))
    again = text_of(_post(coordinator_client, PEOPLE_CSV))
    assert "0 created, 0 updated, 2 unchanged, 7 with errors" in again
    assert "Nothing changed" in again
    recent = text_of(coordinator_client.get("/coordinate/csv"))
    assert "Your recent imports" in recent and "people.csv · finished · 9 of 9 rows" in recent
    assert db.session.scalar(select(func.count()).select_from(Person)) == count


def test_people_import_never_duplicates_and_respects_what_people_chose(
    coordinator_client, scene, neighbor
):
    neighbor.home_area_id = scene.east.id
    stopped = make_person(name="Stu Stopped", email=None, password=None, phone="+17185550501")
    stopped.home_area_id = scene.east.id
    stopped.sms_consent = "opted_out"
    elsewhere = make_person(name="Wil West", email="wil@example.org")
    elsewhere.home_area_id = scene.west.id
    for name, email, phone in (("Oz", "oz@example.org", None), ("Pam", None, "+17185550503")):
        make_person(name=name, email=email, phone=phone).home_area_id = scene.east.id
    db.session.flush()
    body = (
        "name,email,phone,language,sms,sms_consent\n"
        f"Someone Else,{neighbor.email},+1 718 555 0502,es,,\n"
        "Stu,,+1 718 555 0501,,notify,yes\n"
        "Wil,wil@example.org,,,,\n"
        "Clash,oz@example.org,+1 718 555 0503,,,\n"
    )
    page = text_of(_post(coordinator_client, body))
    assert "0 created, 1 updated, 0 unchanged, 3 with errors" in page
    assert "texted STOP" in page and "two different people" in page
    assert "cannot be imported by you" in page  # Wil lives in Westside: not Lee's to change
    db.session.refresh(neighbor)
    # Filled in the missing phone; name and language stay what the person chose.
    assert neighbor.phone == "+17185550502" and neighbor.name == "Maria Lopez"
    assert neighbor.language == "en"
    assert db.session.get(Person, stopped.id).sms_consent == "opted_out"


def test_people_import_header_needs_a_contact_column(coordinator_client, scene):
    page = _post(coordinator_client, "name,language\nAna,es\n")
    assert page.status_code == 400 and "email/phone" in text_of(page)


def test_deleted_offer_is_left_alone_like_a_closed_need(coordinator_client, scene):
    body = (
        "external_id,name,email,categories,radius_km,capacity,location\n"
        'o-9,Hal Helper,hal@example.org,groceries,2,1,"40.7085,-73.9570"\n'
    )
    assert "1 created" in text_of(_post(coordinator_client, body, "offers"))
    offer = db.session.scalar(select(Offer).where(Offer.external_id == "o-9"))
    offer.status = "deleted"
    db.session.flush()
    changed = body.replace("groceries", "meals")
    assert "0 created, 0 updated, 1 unchanged, 0 with errors" in text_of(
        _post(coordinator_client, changed, "offers")
    )


def test_five_thousand_rows_finish_with_progress(coordinator_client, scene, coordinator):
    lines = ["name,phone"] + [f"Bulk {i},+1 212 555 {i:04d}" for i in range(5000)]
    body = ("\n".join(lines) + "\n").encode()
    # What the worker's task does, with its commit replaced by a probe: the progress row is
    # written (and committed, for the page) every 100 rows.
    seen: list[int] = []
    job = import_jobs.start_import(db.session, coordinator, "people", "bulk.csv", body)
    job = import_jobs.claim(db.session, job.id)
    import_jobs.run_import(
        db.session,
        job,
        passwords=None,
        checkpoint=lambda: seen.append(job.done),
    )
    assert seen[:3] == [100, 200, 300] and seen[-1] == 4900 and len(seen) == 49
    assert job.data == ""  # the upload (names, phones) is erased when done
    page = coordinator_client.get(f"/coordinate/csv/imports/{job.id}")
    assert "Rows processed: 5000 of 5000" in text_of(page)
    assert "5000 created, 0 updated, 0 unchanged, 0 with errors" in text_of(page)
    assert "import-progress.js" not in page.get_data(as_text=True)  # done: nothing to poll


def test_running_import_page_updates_itself_and_is_private(
    app, coordinator_client, scene, coordinator
):
    job = ImportJob(
        actor_id=coordinator.id, kind="people", total=5000, created=1200, errors=[[7, "bad"]]
    )
    job.status = IMPORT_RUNNING
    db.session.add(job)
    db.session.flush()
    response = coordinator_client.get(f"/coordinate/csv/imports/{job.id}")
    html = response.get_data(as_text=True)
    assert "js/import-progress.js" in html  # re-reads the page while it runs (CSP: a file)
    assert "<meta http-equiv" not in html  # no timed refresh (axe: meta-refresh)
    assert "Rows processed: 1201 of 5000" in text_of(response)
    assert "Importing…" in text_of(response) and "Check progress" in text_of(response)
    wes = login_as(app.test_client(), scene.wes)
    assert wes.get(f"/coordinate/csv/imports/{job.id}").status_code == 404


def test_cli_people_import_prints_progress(runner, coordinator, scene, tmp_path):
    path = tmp_path / "people.csv"
    path.write_text(PEOPLE_CSV)
    args = ["import", "people", str(path), "--as", coordinator.email]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert (
        "9/9 rows" in result.output
        and "2 created, 0 updated, 0 unchanged, 7 errors" in result.output
    )
    assert "line 5:" in result.output
    assert "0 created, 0 updated, 2 unchanged" in runner.invoke(args=args).output


def test_people_file_needs_a_name_column():
    with pytest.raises(csv_common.ImportFileError):
        csv_common.read_rows("email\nx@example.org\n", "people")


def test_lost_or_broken_import_jobs_end_visibly(coordinator_client, coordinator, scene):
    from datetime import timedelta

    from mutualaid import jobs
    from mutualaid.models import utcnow

    broken = ImportJob(actor_id=coordinator.id, kind="people", data="no,usable,header\n")
    lost = ImportJob(
        actor_id=coordinator.id, kind="people", data="name,phone\nLost Row,+1 212 555 7001\n"
    )
    lost.created_at = utcnow() - timedelta(minutes=5)
    db.session.add_all([broken, lost])
    db.session.flush()
    assert import_jobs.stalled(db.session) == [lost.id]  # queued too long: its task was lost
    jobs.resume_csv_imports.call_local()
    assert lost.status == "done" and lost.created == 1
    jobs.csv_import.call_local(broken.id)
    db.session.refresh(broken)
    assert broken.status == "failed" and broken.data == ""
    page = text_of(coordinator_client.get(f"/coordinate/csv/imports/{broken.id}"))
    assert "The import stopped." in page and "Importing the file again" in page


def test_people_export_re_imports_unchanged_with_formula_cells_quoted(app, scene):
    """An export opened safely in a spreadsheet (phones and formula-like names start with
    a quote) and uploaded again changes nothing: the quote is not part of the value."""
    tricky = make_person(name='=HYPERLINK("http://x","y")', phone="+17185550601", email=None)
    tricky.home_area_id = scene.east.id
    plain = make_person(name="Pia Plain", phone="+17185550602", email="pia@example.org")
    plain.home_area_id = scene.east.id
    db.session.flush()
    lee = login_as(app.test_client(), scene.lee)
    exported = lee.get("/coordinate/csv/export/people.csv").get_data(as_text=True)
    rows = {r["phone"]: r for r in csv.DictReader(io.StringIO(exported))}
    assert rows["'+17185550601"]["name"] == '\'=HYPERLINK("http://x","y")'
    count = db.session.scalar(select(func.count()).select_from(Person))
    response = _post(lee, exported)
    page = text_of(response)
    assert f"0 created, 0 updated, {len(rows)} unchanged, 0 with errors" in page, _errors(response)
    assert db.session.scalar(select(func.count()).select_from(Person)) == count
    db.session.expire_all()
    assert db.session.get(Person, tricky.id).phone == "+17185550601"
    assert db.session.get(Person, tricky.id).name == '=HYPERLINK("http://x","y")'
