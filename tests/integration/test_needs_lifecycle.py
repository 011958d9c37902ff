"""Needs: status lifecycle, timestamps, expiry by urgency (frozen clock), re-opening, and
short codes (alphabet without look-alikes, unique among active needs and open pods)."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.jobs import expire_needs
from mutualaid.models import Need, Pod
from mutualaid.need_records import (
    CODE_ALPHABET,
    NeedError,
    NeedInput,
    find_active_by_code,
    new_code,
    set_status,
)
from mutualaid.needs import cancel_need, edit_need, expire_due_needs, reopen_need, resolve_need
from tests.factories import make_need, make_person

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_code_alphabet_has_no_look_alikes():
    for a, b in ["0O", "1I", "1L", "2Z", "5S", "8B", "UV", "QO", "DO"]:
        assert not (a in CODE_ALPHABET and b in CODE_ALPHABET), (a, b)
    assert len(set(CODE_ALPHABET)) == len(CODE_ALPHABET) >= 20


def test_codes_are_three_characters_from_the_alphabet(app):
    requester = make_person()
    codes = [make_need(requester).code for _ in range(30)]
    assert all(len(c) == 3 and set(c) <= set(CODE_ALPHABET) for c in codes)
    assert len(set(codes)) == 30


def test_a_code_in_use_by_an_active_need_or_open_pod_is_not_drawn_again(app):
    requester = make_person()
    taken = make_need(requester)
    # A generator that first proposes the taken code, then a pod's code, then a free one.
    pod_need = make_need(requester)
    pod = db.session.scalar(select(Pod).where(Pod.need_id == pod_need.id))  # formed on post
    pod.code = "XYZ"
    db.session.flush()
    script = iter(list(taken.code) + list("XYZ") + list("ACE"))

    class Scripted(random.Random):
        def choice(self, seq):
            return next(script)

    assert new_code(db.session, Scripted()) == "ACE"


def test_a_code_that_is_a_common_word_is_never_drawn(app):
    """Found by a Spanish journey: a need coded WAY could not be cancelled by text, because
    "CANCELAR WAY" reads WAY as a word. Such codes are skipped."""
    script = iter(list("WAY") + list("MAY") + list("K7M"))

    class Scripted(random.Random):
        def choice(self, seq):
            return next(script)

    assert new_code(db.session, Scripted()) == "K7M"


def test_finished_needs_free_their_code(app):
    requester = make_person()
    old = make_need(requester)
    resolve_need(db.session, old)
    again = make_need(requester)
    again.code = old.code
    db.session.flush()  # the partial unique index allows it: the old need is finished
    assert find_active_by_code(db.session, old.code.lower()) == again


def test_two_active_needs_cannot_share_a_code(app):
    from sqlalchemy.exc import IntegrityError

    requester = make_person()
    a, b = make_need(requester), make_need(requester)
    b.code = a.code
    with pytest.raises(IntegrityError), db.session.begin_nested():
        db.session.flush()


def test_default_people_needed_comes_from_the_category(app):
    requester = make_person()
    assert make_need(requester, category="childcare").people_needed == 2
    assert make_need(requester, category="childcare", people_needed=5).people_needed == 5


def test_lifecycle_records_timestamps(app):
    need = make_need(make_person(), now=T0)
    # Posting starts matching at once; with no helpers nearby the need waits in "matching".
    assert need.status == "matching" and need.created_at == T0
    assert need.first_invited_at is None
    set_status(db.session, need, "forming", T0 + timedelta(minutes=5))
    set_status(db.session, need, "active", T0 + timedelta(minutes=30))
    resolve_need(db.session, need, T0 + timedelta(hours=3))
    assert need.first_invited_at == T0 + timedelta(minutes=5)  # forming: invitations out
    assert need.pod_formed_at == T0 + timedelta(minutes=30)
    assert need.resolved_at == T0 + timedelta(hours=3)
    assert need.status == "resolved"


def test_impossible_transitions_are_refused(app):
    need = make_need(make_person())
    with pytest.raises(NeedError):
        set_status(db.session, need, "active")  # no pod yet
    cancel_need(db.session, need)
    with pytest.raises(NeedError):
        resolve_need(db.session, need)
    with pytest.raises(NeedError, match="closed"):
        edit_need(db.session, need, NeedInput(category="meals"))


@pytest.mark.parametrize(
    ("urgency", "hours"), [("now", 12), ("today", 48), ("week", 240), ("flexible", 720)]
)
def test_needs_expire_by_urgency(app, urgency, hours):
    need = make_need(make_person(), urgency=urgency, now=T0)
    assert need.expires_at == T0 + timedelta(hours=hours)
    assert expire_due_needs(db.session, T0 + timedelta(hours=hours, seconds=-1)) == []
    assert expire_due_needs(db.session, T0 + timedelta(hours=hours)) == [need]
    assert need.status == "expired" and need.expired_at == T0 + timedelta(hours=hours)
    # Idempotent: a second run changes nothing.
    assert expire_due_needs(db.session, T0 + timedelta(hours=hours + 5)) == []
    assert need.expired_at == T0 + timedelta(hours=hours)


def test_expiry_hours_are_configurable(app):
    need = make_need(make_person(), urgency="now", now=T0)
    edit_need(
        db.session,
        need,
        NeedInput(category="groceries", urgency="week"),
        hours={"now": 1, "today": 2, "week": 3, "flexible": 4},
        now=T0 + timedelta(minutes=10),
    )
    assert need.expires_at == T0 + timedelta(hours=3, minutes=10)


def test_needs_with_a_pod_do_not_expire(app):
    need = make_need(make_person(), urgency="now", now=T0)
    set_status(db.session, need, "forming", T0)
    assert expire_due_needs(db.session, T0 + timedelta(days=30)) == []


def test_an_expired_need_can_be_reopened_with_a_fresh_expiry(app):
    requester = make_person()
    need = make_need(requester, urgency="today", now=T0)
    expire_due_needs(db.session, T0 + timedelta(days=3))
    # Meanwhile another active need took the same code.
    other = make_need(requester)
    other.code = need.code
    db.session.flush()
    later = T0 + timedelta(days=4)
    reopen_need(db.session, need, now=later)
    assert need.status == "matching" and need.expired_at is None  # re-opened: searching again
    assert need.expires_at == later + timedelta(hours=48)
    assert need.code != other.code


def test_the_expiry_job_runs_the_sweep(app):
    need = make_need(make_person(), urgency="now", now=datetime.now(UTC) - timedelta(days=1))
    expire_needs.call_local()
    assert db.session.get(Need, need.id).status == "expired"


def _race(monkeypatch, taken_code: str) -> None:
    """Make the next code check miss ``taken_code`` once, as if another transaction
    committed it between our check and our insert."""
    import mutualaid.need_records as records

    real = records.code_in_use
    calls = {"n": 0}

    def racy(session, code):
        calls["n"] += 1
        return False if calls["n"] == 1 else real(session, code)

    script = iter(taken_code)

    class FirstTaken(random.Random):
        def choice(self, seq):
            return next(script, None) or random.Random.choice(self, seq)

    monkeypatch.setattr(records, "code_in_use", racy)
    monkeypatch.setattr(records, "_rng", FirstTaken())


def test_a_lost_race_for_a_code_draws_again_when_posting(app, monkeypatch):
    requester = make_person()
    taken = make_need(requester)
    _race(monkeypatch, taken.code)
    need = make_need(requester, details="second")
    assert need.id is not None and need.code != taken.code and need.details == "second"
    assert need.status == "matching" and need.lat is not None  # posted: searching


def test_a_lost_race_for_a_code_draws_again_when_reopening(app, monkeypatch):
    import mutualaid.needs as needs_module

    requester = make_person()
    need = make_need(requester, now=T0)
    cancel_need(db.session, need, T0)
    other = make_need(requester)
    other.code = need.code
    db.session.flush()
    real = needs_module.code_in_use
    calls = {"n": 0}

    def racy(session, code):  # the first check misses the clash, as in a race
        calls["n"] += 1
        return False if calls["n"] == 1 else real(session, code)

    monkeypatch.setattr(needs_module, "code_in_use", racy)
    reopen_need(db.session, need, now=T0 + timedelta(days=1))
    db.session.expire_all()
    assert need.status == "matching" and need.code != other.code
    assert need.cancelled_at is None and need.expires_at == T0 + timedelta(days=1, hours=48)
