"""Metrics page: medians, 90th percentiles, unmatched and SMS delivery rates, by week, by
category and by area, scoped to the coordinator's areas, on hand-made data whose numbers
are worked out in the comments."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from mutualaid.extensions import db
from mutualaid.models import Pod, SmsMessage, utcnow
from mutualaid.workspace.metrics import _week_start, percentile, report
from tests.conftest import text_of
from tests.coordinate_scene import two_areas
from tests.factories import make_person
from tests.pod_scene import make_need


def _text(to_need=None, to_pod=None, person=None, *, status="delivered", at, direction="out"):
    db.session.add(
        SmsMessage(
            direction=direction,
            from_number="+15550000001",
            to_number="+15550000002",
            body="hi",
            status=status,
            need_id=to_need.id if to_need else None,
            pod_id=to_pod.id if to_pod else None,
            person_id=person.id if person else None,
            created_at=at,
        )
    )


@pytest.fixture
def data(coordinator, neighbor):
    """Eastside (Lee's area), groceries, posted two days ago (week A):
    first invitation after 1, 2, 3, 4, 10 h; one never invited; one cancelled, never
    invited -> 7 needs, unmatched 1 of the 6 not cancelled = 17 %, median 3 h (3rd of 5),
    p90 10 h (5th of 5). Pods formed after 5 and 7 h (median 5, p90 7); one resolved
    after 30 h.
    Eastside, childcare, posted ten days ago (week B): invited after 6 and 8 h
    (median 6, p90 8), all matched -> 0 %.
    Westside (not Lee's): three groceries needs, never invited.
    Texts (outbound, final status) for Eastside: need 1: 3 delivered + 1 undelivered;
    need 2's pod: 1 failed + 1 delivered (all week A, groceries); an Eastside resident with
    no need: 1 delivered (week B, no category) -> 5 of 7 = 71 %; groceries 4 of 6 = 67 %;
    week A 67 %, week B 100 %. Not counted: sent without a receipt, cancelled, inbound,
    and Westside's 5 delivered.
    """
    scene = two_areas(coordinator)
    now = utcnow()
    a = now - timedelta(days=2)
    b = now - timedelta(days=10)
    east = []
    for i, hours in enumerate((1, 2, 3, 4, 10)):
        east.append(
            make_need(
                neighbor,
                code=f"E{i}",
                area_id=scene.east.id,
                created_at=a,
                first_invited_at=a + timedelta(hours=hours),
                pod_formed_at=a + timedelta(hours=(5, 7)[i]) if i < 2 else None,
                resolved_at=a + timedelta(hours=30) if i == 0 else None,
            )
        )
    make_need(neighbor, code="E8", area_id=scene.east.id, created_at=a)
    make_need(neighbor, code="E9", area_id=scene.east.id, created_at=a, status="cancelled")
    for i, hours in enumerate((6, 8)):
        make_need(
            neighbor,
            code=f"C{i}",
            category="childcare",
            area_id=scene.east.id,
            created_at=b,
            first_invited_at=b + timedelta(hours=hours),
        )
    west = [
        make_need(neighbor, code=f"W{i}", area_id=scene.west.id, created_at=a) for i in range(3)
    ]
    pod = Pod(need_id=east[1].id, code="P1", seats=2, seats_taken=1, status="active")
    db.session.add(pod)
    db.session.flush()
    for status in ("delivered", "delivered", "delivered", "undelivered"):
        _text(east[0], status=status, at=a)
    _text(to_pod=pod, status="failed", at=a)
    _text(to_pod=pod, status="delivered", at=a)
    resident = make_person(name="Rosa Resident", home_area_id=scene.east.id)
    _text(person=resident, status="delivered", at=b)
    _text(east[0], status="sent", at=a)
    _text(east[0], status="cancelled", at=a)
    _text(east[0], status="received", at=a, direction="in")
    for _ in range(5):
        _text(west[0], status="delivered", at=a)
    db.session.flush()
    return scene, a, b


def _row(text: str, label: str) -> str:
    """The table row that starts with ``label`` (up to the next row's label)."""
    match = re.search(re.escape(label) + r" (\d+ (?:\d+%|—).*?\))", text)
    assert match, f"no row {label!r} in {text!r}"
    return match.group(1)


def test_metrics_page_numbers(coordinator_client, data):
    _scene, a, b = data
    page = coordinator_client.get("/coordinate/metrics")
    assert page.status_code == 200
    text = text_of(page)
    assert "9 needs; unmatched rate 12%" in text  # 1 of the 8 not cancelled
    assert "Texts delivered: 71% (5 of 7 with a delivery report)" in text
    # Total: invitations after 1,2,3,4,10,6,8 h -> median 4 h (4th of 7), p90 10 h.
    assert "first invitation (7) 4.0 h 10.0 h" in text
    assert "pod formed (2) 5.0 h 7.0 h" in text and "resolved (1) 30.0 h 30.0 h" in text
    groceries = _row(text, "Groceries")
    assert groceries.startswith("7 17% 3.0 h / 10.0 h 5.0 h / 7.0 h 30.0 h / 30.0 h 67% (4/6)")
    childcare = text.split("Childcare ")[1]
    assert childcare.startswith("2 0% 6.0 h / 8.0 h — / — — / — —")
    week_a = _row(text, _week_start(a).date().isoformat())
    week_b = _row(text, _week_start(b).date().isoformat())
    assert week_a.startswith("7 17% 3.0 h / 10.0 h") and week_a.endswith("67% (4/6)")
    assert week_b.startswith("2 0% 6.0 h / 8.0 h") and week_b.endswith("100% (1/1)")
    assert "Westside" not in text
    html = page.get_data(as_text=True)
    assert html.count('class="chart"') == 3 and "<script" not in html


def test_metrics_weeks_cover_the_last_twelve(coordinator, data):
    rep = report(db.session, coordinator, days=365)
    assert len(rep.weeks) == 12
    assert [w.key.weekday() for w in rep.weeks] == [0] * 12  # Mondays, oldest first
    assert rep.weeks[-1].key <= utcnow() < rep.weeks[-1].key + timedelta(days=7)
    assert sum(w.needs for w in rep.weeks) == 9


def test_admin_sees_every_area_and_can_filter(admin_client, coordinator_client, data):
    scene, _a, _b = data
    text = text_of(admin_client.get("/coordinate/metrics"))
    assert "12 needs; unmatched rate 36%" in text  # 4 of the 11 not cancelled
    assert "Texts delivered: 83% (10 of 12" in text
    assert "Eastside 9 12%" in text and "Westside 3 100%" in text
    west = text_of(admin_client.get(f"/coordinate/metrics?area={scene.west.id}"))
    assert "3 needs; unmatched rate 100%" in west and "Texts delivered: 100% (5 of 5" in west
    assert coordinator_client.get(f"/coordinate/metrics?area={scene.west.id}").status_code == 404


def test_metrics_window_leaves_older_needs_out(coordinator_client, data):
    text = text_of(coordinator_client.get("/coordinate/metrics?days=5"))
    assert "7 needs; unmatched rate 17%" in text and "Childcare" not in text


def test_percentile_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([5, 1, 3], 50) == 3
    assert percentile(list(range(1, 11)), 90) == 9
