"""Admins manage categories (add, rename, deactivate) and the retention period; the rest of
the app follows: forms, names on old needs, the purge job, and the audit log."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from mutualaid import categories
from mutualaid.extensions import db
from mutualaid.jobs import purge_old_personal_data
from mutualaid.models import AuditEvent, utcnow
from mutualaid.need_records import NeedError, NeedInput
from mutualaid.needs import edit_need
from mutualaid.offers import OfferError, OfferInput, edit_offer
from tests.conftest import login_as, text_of
from tests.factories import make_offer
from tests.pod_scene import make_need

BIKE = {
    "key": "bike_repair",
    "name_en": "Bike repair",
    "name_es": "Reparar bicis",
    "people_needed": "1",
    "synonyms": "bicycle, bici",
}


def _audit(action: str) -> list[AuditEvent]:
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def _need_form(client) -> str:
    return client.get("/needs/new").get_data(as_text=True)


def test_added_category_is_offered_in_both_languages(admin_client, neighbor_client, admin):
    response = admin_client.submit("/admin/categories", BIKE)
    assert response.status_code == 303
    assert "Bike repair" in text_of(admin_client.get("/admin/categories"))
    form = _need_form(neighbor_client)
    assert '<option value="bike_repair">Bike repair</option>' in form
    neighbor_client.submit("/language", {"lang": "es"})
    assert '<option value="bike_repair">Reparar bicis</option>' in _need_form(neighbor_client)
    (event,) = _audit("admin.category_added")
    assert event.actor_id == admin.id and event.details["key"] == "bike_repair"
    assert categories.resolve("bici") == "bike_repair"


def test_bad_or_duplicate_category_is_refused_with_a_message(admin_client):
    bad = admin_client.submit("/admin/categories", {**BIKE, "key": "Bike Repair!"})
    assert bad.status_code == 400 and "lowercase letters or underscores" in text_of(bad)
    dup = admin_client.submit("/admin/categories", {**BIKE, "key": "groceries"})
    assert dup.status_code == 400 and "already a category with this key" in text_of(dup)
    nameless = admin_client.submit("/admin/categories", {**BIKE, "name_es": " "})
    assert nameless.status_code == 400 and "Enter a name." in text_of(nameless)
    assert not _audit("admin.category_added")


def test_rename_shows_on_existing_needs(admin_client, neighbor, neighbor_client):
    need = make_need(neighbor, code="RN1")
    form = {**BIKE, "key": "groceries", "name_en": "Food shopping", "name_es": "Mandado"}
    assert admin_client.submit("/admin/categories/groceries", form).status_code == 303
    assert "Food shopping" in text_of(neighbor_client.get(f"/needs/{need.id}"))
    (event,) = _audit("admin.category_changed")
    assert event.details["name_en"] == ["Groceries", "Food shopping"]
    assert need.category == "groceries"  # the key never changes


def test_deactivated_category_leaves_forms_but_old_needs_keep_it(
    admin_client, neighbor, neighbor_client, coordinator_client
):
    old = make_need(neighbor, code="CC1", category="childcare")
    response = admin_client.submit("/admin/categories/childcare/active", {"active": "0"})
    assert response.status_code == 303
    assert 'value="childcare"' not in _need_form(neighbor_client)
    assert "Childcare" in text_of(neighbor_client.get(f"/needs/{old.id}"))
    assert 'value="childcare"' in neighbor_client.get(f"/needs/{old.id}/edit").get_data(
        as_text=True
    )  # its own category stays selectable when the requester edits it
    assert 'value="childcare"' in coordinator_client.get("/coordinate/").get_data(as_text=True)
    posted = neighbor_client.submit(
        "/needs/new", {"category": "childcare", "urgency": "today", "location": "11211"}
    )
    assert posted.status_code == 400
    assert categories.resolve("childcare") is None  # texts no longer pick it
    edit_need(db.session, old, NeedInput(category="childcare", details="after school"))
    other = make_need(neighbor, code="GR1")
    with pytest.raises(NeedError):  # but no other need may move to it
        edit_need(db.session, other, NeedInput(category="childcare"))
    assert _audit("admin.category_deactivated")
    admin_client.submit("/admin/categories/childcare/active", {"active": "1"})
    assert 'value="childcare"' in _need_form(neighbor_client)


def test_offer_keeps_a_deactivated_category_but_cannot_add_one(admin_client, helper):
    offer = make_offer(helper, categories=["groceries", "meals"])
    admin_client.submit("/admin/categories/meals/active", {"active": "0"})
    admin_client.submit("/admin/categories/transport/active", {"active": "0"})
    data = OfferInput(categories=["groceries", "meals"], radius_km=3.0, capacity=1)
    assert edit_offer(db.session, offer, data).categories == ["groceries", "meals"]
    with pytest.raises(OfferError):
        edit_offer(db.session, offer, OfferInput(categories=["transport"], radius_km=3.0))


def test_last_active_category_cannot_be_deactivated(admin_client):
    for c in categories.all_categories()[1:]:
        admin_client.submit(f"/admin/categories/{c.key}/active", {"active": "0"})
    first = categories.all_categories()[0].key
    page = admin_client.submit(
        f"/admin/categories/{first}/active", {"active": "0"}, follow_redirects=True
    )
    assert "At least one category must stay active." in text_of(page)


def _closed_need(requester, code: str, days_ago: int):
    need = make_need(requester, code=code, status="resolved")
    need.updated_at = need.resolved_at = utcnow() - timedelta(days=days_ago)
    db.session.flush()
    return need


def test_retention_setting_drives_the_purge(admin_client, admin, neighbor):
    forty = _closed_need(neighbor, "R40", 40)
    twenty = _closed_need(neighbor, "R20", 20)
    page = text_of(admin_client.get("/admin/retention"))
    assert "Now: 180 days (the RETENTION_DAYS default)." in page
    purge_old_personal_data.call_local()
    assert forty.address_text  # 40 days < 180: kept
    assert admin_client.submit("/admin/retention", {"days": "30"}).status_code == 303
    assert "Now: 30 days, set by an admin" in text_of(admin_client.get("/admin/retention"))
    purge_old_personal_data.call_local()
    db.session.expire_all()
    assert forty.address_text == "" and forty.details == ""
    assert twenty.address_text  # 20 days < 30
    (event,) = _audit("admin.retention_changed")
    assert event.actor_id == admin.id and event.details["before"] == 180
    assert event.details["after"] == 30
    assert admin_client.submit("/admin/retention", {"reset": "1"}).status_code == 303
    assert "(the RETENTION_DAYS default)" in text_of(admin_client.get("/admin/retention"))


@pytest.mark.parametrize("days", ["-1", "3651", "soon", ""])
def test_bad_retention_is_refused(admin_client, days):
    response = admin_client.submit("/admin/retention", {"days": days})
    assert response.status_code == 400
    assert "Enter a number of days from 0 to 3650." in text_of(response)


def test_coordinators_cannot_change_settings(app, coordinator):
    client = login_as(app.test_client(), coordinator)
    assert client.submit("/admin/categories", BIKE).status_code == 403
    assert client.submit("/admin/retention", {"days": "1"}).status_code == 403
    assert categories.get("bike_repair") is None


def test_added_and_deactivated_categories_still_match(admin, helper, neighbor):
    from mutualaid.admin_settings import CategoryInput, add_category, set_category_active
    from mutualaid.matching import find_matches
    from mutualaid.models import CategoryRow

    add_category(db.session, admin, CategoryInput("bike_repair", "Bike repair", "Bicis"))
    make_offer(helper, categories=["bike_repair", "childcare"])
    bike = make_need(neighbor, code="BK1", category="bike_repair")
    kids = make_need(neighbor, code="KD1", category="childcare")
    set_category_active(db.session, admin, db.session.get(CategoryRow, "childcare"), False)
    assert [m.person_id for m in find_matches(db.session, bike)] == [helper.id]
    assert [m.person_id for m in find_matches(db.session, kids)] == [helper.id]


def test_csv_reimport_keeps_a_deactivated_category_but_new_rows_cannot_use_it(
    admin_client, coordinator_client
):
    import io

    body = (
        b"external_id,name,email,categories,radius_km,capacity,location\n"
        b'o-7,Hal Helper,hal@example.org,meals,2,1,"40.7085,-73.9570"\n'
    )

    def upload(data: bytes) -> str:
        page = coordinator_client.post(
            "/coordinate/csv/import",
            data={
                "csrf_token": coordinator_client.csrf_token(),
                "kind": "offers",
                "file": (io.BytesIO(data), "offers.csv"),
            },
            content_type="multipart/form-data",
            follow_redirects=True,  # to the import job's page (the worker ran it: memory://)
        )
        return text_of(page)

    assert "1 created" in upload(body)
    admin_client.submit("/admin/categories/meals/active", {"active": "0"})
    assert "0 created, 0 updated, 1 unchanged, 0 with errors" in upload(body)
    new_row = body.replace(b"o-7,Hal Helper,hal@", b"o-8,Ivy Helper,ivy@")
    assert "0 created, 0 updated, 0 unchanged, 1 with errors" in upload(new_row)
