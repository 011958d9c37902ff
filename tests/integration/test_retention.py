"""Closed needs lose their personal data after RETENTION_DAYS; open ones never do."""

from datetime import timedelta

from sqlalchemy import select

from mutualaid import needs
from mutualaid.extensions import db
from mutualaid.models import ChecklistItem, PodMessage, SmsMessage, utcnow
from mutualaid.pods import thread
from mutualaid.pods.formation import start_pod
from mutualaid.pods.seating import accept
from mutualaid.retention import ERASED, purge_closed_needs
from mutualaid.settings import Settings
from tests.pod_scene import make_helper, make_need


def _resolved_pod(requester, code="R3T"):
    sam = make_helper(
        "Sam Green",
        0.4,
        phone="+17185550103",
        sms_preference="only",
        email=None,
        password=None,
        sms_consent="opted_in",
    )
    need = make_need(requester, people_needed=1, code=code)
    pod = start_pod(db.session, need)
    accept(db.session, pod, sam)
    thread.post_message(db.session, pod, requester, "Door code is 4417")
    thread.add_item(db.session, pod, sam, "Buy rice")
    needs.resolve_from_pod(db.session, pod, requester)
    return need, pod


def test_old_closed_needs_are_erased_and_kept_for_metrics(neighbor):
    need, pod = _resolved_pod(neighbor)
    later = utcnow() + timedelta(days=181)
    assert purge_closed_needs(db.session, days=180, now=later) == 1
    assert (need.address_text, need.lat, need.lng, need.details) == ("", None, None, "")
    assert need.public_lat is not None and need.resolved_at is not None  # metrics survive
    bodies = db.session.scalars(select(PodMessage.body).where(PodMessage.pod_id == pod.id)).all()
    assert bodies and set(bodies) == {ERASED}
    assert (
        db.session.scalars(select(ChecklistItem).where(ChecklistItem.pod_id == pod.id)).all() == []
    )
    texts = db.session.scalars(select(SmsMessage.body).where(SmsMessage.pod_id == pod.id)).all()
    assert texts and all(t == ERASED for t in texts)
    assert not any("4417" in t or "Berry" in t for t in texts)
    assert purge_closed_needs(db.session, days=180, now=later) == 0  # idempotent


def test_recent_or_open_needs_are_kept(neighbor):
    need, _pod = _resolved_pod(neighbor)
    active = make_need(neighbor, code="K4P", address="9 Kent Ave")
    assert purge_closed_needs(db.session, days=180, now=utcnow() + timedelta(days=30)) == 0
    assert purge_closed_needs(db.session, days=180, now=utcnow() + timedelta(days=400)) == 1
    assert need.address_text == "" and active.address_text == "9 Kent Ave"


def test_zero_days_keeps_everything(neighbor):
    need, _pod = _resolved_pod(neighbor)
    assert purge_closed_needs(db.session, days=0, now=utcnow() + timedelta(days=9999)) == 0
    assert need.address_text


def test_retention_days_setting():
    assert Settings.from_env({"MUTUALAID_ENV": "testing"}).retention_days == 180
    assert (
        Settings.from_env({"MUTUALAID_ENV": "testing", "RETENTION_DAYS": "30"}).retention_days == 30
    )
