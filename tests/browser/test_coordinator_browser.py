"""Coordinator Lee's morning in a real browser: the queue, a need, inviting a suggestion."""

import random
import uuid

from playwright.sync_api import expect

from mutualaid.extensions import db
from mutualaid.workspace.csv_people import PEOPLE_COLUMNS
from mutualaid.workspace.csvio import NEED_COLUMNS, OFFER_COLUMNS, POD_COLUMNS
from tests.factories import PASSWORD, make_area, make_person
from tests.pod_scene import HOME, make_helper, make_need


def _scene(live_app):
    tag = uuid.uuid4().hex[:6]
    code = "".join(random.choice("ACDEFHJKMNPRTWXY") for _ in range(4))
    with live_app.app_context():
        area = make_area(
            slug=f"east-{tag}", name=f"Eastside {tag}", center_lat=HOME[0], center_lng=HOME[1]
        )
        lee = make_person("coordinator", name="Lee Park", email=f"lee-{tag}@example.org")
        lee.areas.append(area)
        requester = make_person(name="Maria Lopez", email=f"maria-{tag}@example.org")
        make_helper(f"Jo {tag}", 0.6, email=f"jo-{tag}@example.org")
        make_need(
            requester,
            people_needed=1,
            code=code,
            area_id=area.id,
            unmatched_reason="No groceries offers within 3 km",
        )
        db.session.commit()
        return lee.email, area.name, code, tag


def test_queue_to_need_to_invite(live_app, live_server, browser, artifacts):
    email, area_name, code, tag = _scene(live_app)
    for width, label in ((1280, "desktop"), (360, "phone")):
        context = browser.new_context(viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto(live_server + "/auth/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("link", name="Coordinate").click()
        page.get_by_label("Area").select_option(label=area_name)
        page.get_by_role("button", name="Filter").click()
        row = page.locator("tr", has_text=code)
        expect(row).to_contain_text("No groceries offers within 3 km")
        if width == 360:
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(artifacts / f"coordinator-queue-{label}.png"), full_page=True)
        if width == 360:
            row.get_by_role("link").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(code)
            suggestion = page.locator(".suggestions > li", has_text=f"Jo {tag}")
            expect(suggestion).to_contain_text("km")
            suggestion.get_by_role("button", name="Invite Jo").click()
            expect(page.get_by_text("1 invitation(s) sent.")).to_be_visible()
            expect(page.locator(".members")).to_contain_text(f"Jo {tag} — helper, invited")
            assert page.evaluate("document.documentElement.scrollWidth") <= 360
            page.screenshot(path=str(artifacts / "coordinator-need-phone.png"), full_page=True)
            for name in ("Gaps", "Map", "Metrics"):
                page.locator(".ws-nav").get_by_role("link", name=name).click()
                expect(page.get_by_role("heading", level=1)).to_have_text(name)
                assert page.evaluate("document.documentElement.scrollWidth") <= 360
                shot = artifacts / f"coordinator-{name.lower()}-phone.png"
                page.screenshot(path=str(shot), full_page=True)
            expect(page.locator("svg.bar").first).to_be_visible()
        context.close()


def _inbox_scene(live_app):
    from mutualaid.sms.apply import receive_inbound

    tag = uuid.uuid4().hex[:6]
    number = "+1718" + str(random.randrange(2000000, 9999999))
    with live_app.app_context():
        area = make_area(slug=f"in-{tag}", name=f"Inbox {tag}")
        lee = make_person("coordinator", name="Lee Park", email=f"lee-in-{tag}@example.org")
        lee.areas.append(area)
        result = receive_inbound(
            db.session,
            sid=f"SMbrowser{tag}",
            from_number=number,
            to_number="+15005550006",
            body=f"hi, who runs this? asking about the clinic {tag}",  # no command: inbox
        )
        texter = result.person
        texter.name = f"Rae {tag}"
        texter.home_area_id = area.id
        # Her email contact from a paper sign-up sheet (no web login: a coordinator may merge
        # it; a record that can log in is an admin's to merge, issue 16).
        contact = make_person(name=f"Rae {tag}", email=f"rae-{tag}@example.org", password=None)
        contact.home_area_id = area.id
        db.session.commit()
        return lee.email, tag, number


def test_inbox_reply_merge_and_csv_import(live_app, live_server, phone_page, artifacts, tmp_path):
    email, tag, number = _inbox_scene(live_app)
    page = phone_page
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(live_server + "/coordinate/inbox")
    page.get_by_role("link", name=f"Rae {tag}").click()
    expect(page.locator(".quote").first).to_contain_text(f"clinic {tag}")
    page.get_by_label("Reply", exact=True).fill("A neighbor can drive you at 10. OK?")
    page.get_by_role("button", name="Send reply").click()
    expect(page.get_by_text("Reply queued.")).to_be_visible()
    expect(page.get_by_text(f"clinic {tag}")).to_have_count(0)
    page.screenshot(path=str(artifacts / "coordinator-inbox-phone.png"), full_page=True)

    # Merge the phone-only record into her email contact.
    page.get_by_role("link", name="People", exact=True).first.click()
    page.get_by_label("Search by name").fill(f"rae-{tag}@")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=f"Rae {tag}").click()
    page.get_by_role("link", name="Find the duplicate record").click()
    page.get_by_label("Find the duplicate").fill(number[-4:])
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Preview merge").first.click()
    expect(page.get_by_text("sms_messages.person_id")).to_be_visible()
    page.get_by_role("button", name="Merge now").click()
    expect(page.get_by_text("was merged into")).to_be_visible()
    expect(page.get_by_text(f"•••-•••-{number[-4:]}")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    # Import offers from a CSV, twice: the second time changes nothing.
    path = tmp_path / "offers.csv"
    path.write_text(
        "external_id,name,email,categories,radius_km,capacity,location\n"
        f'b-{tag},Val {tag},val-{tag}@example.org,groceries,2,1,"40.7085,-73.9570"\n'
        f'b2-{tag},Bad {tag},,groceries,2,1,"40.7085,-73.9570"\n'
    )
    for expected in ("1 created, 0 updated, 0 unchanged, 1 with errors",
                     "0 created, 0 updated, 1 unchanged, 1 with errors"):  # fmt: skip
        page.goto(live_server + "/coordinate/csv")
        page.get_by_label("offers").check()
        page.get_by_label("CSV file").set_input_files(str(path))
        page.get_by_role("button", name="Import").click()
        expect(page.get_by_text(expected)).to_be_visible()
    page.screenshot(path=str(artifacts / "coordinator-csv-phone.png"), full_page=True)

    # Import people: runs as a job, the page shows its progress and the rows with errors by
    # line; the second import of the same file changes nothing and says so.
    people = tmp_path / "people.csv"
    people.write_text(
        f"name,email,phone,language\nPia {tag},pia-{tag}@example.org,,es\nBad {tag},,12,en\n"
    )
    for expected in ("1 created, 0 updated, 0 unchanged, 1 with errors",
                     "0 created, 0 updated, 1 unchanged, 1 with errors"):  # fmt: skip
        page.goto(live_server + "/coordinate/csv")
        page.get_by_label("people", exact=True).check()
        page.get_by_label("CSV file").set_input_files(str(people))
        page.get_by_role("button", name="Import").click()
        expect(page.get_by_text(expected)).to_be_visible()
        expect(page.get_by_text("Rows processed: 2 of 2")).to_be_visible()
        row = page.get_by_role("row").filter(has_text="not a phone number")
        expect(row.get_by_role("cell").first).to_have_text("3")
    expect(page.get_by_text("Nothing changed")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "coordinator-csv-import-phone.png"), full_page=True)

    # A long import the worker is still running: the page follows it by itself (a small
    # script re-reads it; no timed refresh) and ends with the rows in error.
    from mutualaid.models import ImportJob, Person

    with live_app.app_context():
        lee = db.session.scalar(db.select(Person).where(Person.email == email))
        job = ImportJob(actor_id=lee.id, kind="people", filename="long.csv", total=5000)
        job.status, job.created, job.errors = "running", 1200, []
        db.session.add(job)
        db.session.commit()
        job_id = job.id
    page.goto(f"{live_server}/coordinate/csv/imports/{job_id}")
    expect(page.get_by_text("Rows processed: 1200 of 5000")).to_be_visible()
    with live_app.app_context():
        job = db.session.get(ImportJob, job_id)
        job.status, job.created, job.errors = "done", 4999, [[42, "bad phone"]]
        db.session.commit()
    expect(page.get_by_text("Import finished.")).to_be_visible(timeout=10_000)
    expect(page.get_by_text("Rows processed: 5000 of 5000")).to_be_visible()
    expect(page.get_by_role("row").filter(has_text="bad phone")).to_contain_text("42")


def test_csv_exports_download_over_a_real_server(live_app, live_server, browser):
    """The exports stream after the request's commit: each must download whole, with the
    scene's need in it (a real server, not the test client, runs the generator)."""
    email, _area_name, code, _tag = _scene(live_app)
    context = browser.new_context()
    page = context.new_page()
    page.goto(live_server + "/auth/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    headers = {"needs": NEED_COLUMNS, "offers": OFFER_COLUMNS, "pods": POD_COLUMNS}
    headers["people"] = PEOPLE_COLUMNS
    for kind, columns in headers.items():
        response = page.request.get(f"{live_server}/coordinate/csv/export/{kind}.csv")
        assert response.status == 200, kind
        lines = response.text().splitlines()
        assert lines[0] == ",".join(columns), (kind, lines[:2])
        text = "\n".join(lines)
        if kind == "needs":
            assert code in text
        if kind == "people":
            assert "Maria Lopez" in text
    context.close()
