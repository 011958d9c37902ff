"""find_matches on a real database: who is suggested, who is left out, in what order, why."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from mutualaid.extensions import db
from mutualaid.matching import Match, escalation_radii, find_matches, search_radius_km
from mutualaid.models import Membership, Pod
from tests.factories import HOME_LAT, HOME_LNG, make_area, make_person
from tests.factories import make_raw_need as make_need
from tests.factories import make_raw_offer as make_offer

# Wednesday 25 Nov 2026, 15:00 UTC = 10:00 in New York.
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)


def offset(km_north: float, km_east: float = 0.0) -> dict[str, float]:
    """A point ``km_north``/``km_east`` from HOME (small distances: flat-earth is fine)."""
    lat = HOME_LAT + km_north / 111.195
    lng = HOME_LNG + km_east / (111.195 * math.cos(math.radians(HOME_LAT)))
    return {"lat": lat, "lng": lng}


def people(matches: list[Match]) -> list[int]:
    return [m.person_id for m in matches]


def seat(person, need_for_pod=None, *, status="accepted", pod_status="active", invited_at=NOW):
    """Give ``person`` a helper membership in a pod (for a fresh need unless given)."""
    need = need_for_pod or make_need()
    pod = db.session.query(Pod).filter_by(need_id=need.id).one_or_none()
    if pod is None:
        pod = Pod(need_id=need.id, code=need.code, seats=3, status=pod_status)
        db.session.add(pod)
        db.session.flush()
    db.session.add(
        Membership(pod_id=pod.id, person_id=person.id, status=status, invited_at=invited_at)
    )
    db.session.flush()


def test_a_nearby_helper_is_suggested_with_distance_score_and_reasons(app):
    helper = make_person()
    offer = make_offer(helper, **offset(1.2), last_confirmed_at=NOW - timedelta(days=3))
    need = make_need()

    [match] = find_matches(db.session, need, now=NOW)

    assert (match.person_id, match.offer_id) == (helper.id, offer.id)
    assert match.distance_km == pytest.approx(1.2, abs=0.01)
    assert 0 < match.score <= 100
    assert match.reasons == (
        "1.2 km away",
        "offers groceries",
        "free any time",
        "1 of 1 pod slot free",
        "confirmed 3 days ago",
    )
    assert [r.key for r in match.details][:2] == ["distance", "category"]


def test_closer_helpers_rank_first_and_limit_caps_the_list(app):
    far, near, middle = make_person(), make_person(), make_person()
    make_offer(far, **offset(3.0))
    make_offer(near, **offset(0.5))
    make_offer(middle, **offset(0, 1.5))
    need = make_need()

    assert people(find_matches(db.session, need, now=NOW)) == [near.id, middle.id, far.id]
    assert people(find_matches(db.session, need, now=NOW, limit=2)) == [near.id, middle.id]


def test_helper_must_be_within_both_the_offer_radius_and_the_need_radius(app):
    short_reach = make_person()  # 2 km away, but only travels 1.5 km
    make_offer(short_reach, **offset(2.0), radius_km=1.5)
    beyond_need = make_person()  # travels 20 km, but is 6 km away; the need looks 5 km
    make_offer(beyond_need, **offset(-6.0), radius_km=20)
    inside = make_person()
    make_offer(inside, **offset(1.4), radius_km=1.5)
    need = make_need(urgency="today")

    assert search_radius_km("today") == 5.0
    assert people(find_matches(db.session, need, now=NOW)) == [inside.id]


def test_wrong_category_inactive_and_expired_offers_are_left_out(app):
    make_offer(categories=["rides"])
    make_offer(status="paused")
    make_offer(status="deleted")
    make_offer(expires_at=NOW - timedelta(hours=1))
    good = make_person()
    make_offer(good, categories=["rides", "groceries"], expires_at=NOW + timedelta(days=3))
    need = make_need()

    assert people(find_matches(db.session, need, now=NOW)) == [good.id]


def test_the_requester_and_paused_suspended_or_unreachable_people_are_left_out(app):
    requester = make_person()
    make_offer(requester)
    make_offer(make_person(paused_at=NOW - timedelta(days=1)))
    make_offer(make_person(suspended_at=NOW - timedelta(days=1)))
    make_offer(make_person(sms_preference="only", sms_consent="opted_out"))
    # Opted out of texts but still uses the web: reachable.
    web_too = make_person(sms_preference="notify", sms_consent="opted_out")
    make_offer(web_too)
    sms_only = make_person(sms_preference="only", sms_consent="opted_in")
    make_offer(sms_only)
    need = make_need(requester)

    assert sorted(people(find_matches(db.session, need, now=NOW))) == sorted(
        [web_too.id, sms_only.id]
    )


def test_people_at_capacity_are_left_out_and_free_slots_are_explained(app):
    busy = make_person()
    make_offer(busy, capacity=1)
    seat(busy)
    roomy = make_person()
    make_offer(roomy, capacity=2)
    seat(roomy)
    left_pod = make_person()  # their only pod is finished: not seated any more
    make_offer(left_pod, capacity=1)
    seat(left_pod, pod_status="resolved")
    need = make_need()

    matches = {m.person_id: m for m in find_matches(db.session, need, now=NOW)}
    assert set(matches) == {roomy.id, left_pod.id}
    assert "1 of 2 pod slots free" in matches[roomy.id].reasons
    assert "1 of 1 pod slot free" in matches[left_pod.id].reasons


def test_people_already_invited_to_this_need_are_not_suggested_again(app):
    need = make_need()
    declined, pending, other = make_person(), make_person(), make_person()
    for person in (declined, pending, other):
        make_offer(person, capacity=2)
    seat(declined, need, status="declined")
    seat(pending, need, status="invited")

    assert people(find_matches(db.session, need, now=NOW)) == [other.id]


def test_helpers_asked_often_this_week_rank_lower_and_are_told_so(app):
    often, rarely = make_person(), make_person()
    make_offer(often, capacity=5, **offset(0.2))  # closer, but asked 3 times
    make_offer(rarely, capacity=5, **offset(0.4))
    for _ in range(3):
        seat(often, status="declined", invited_at=NOW - timedelta(days=2))
    need = make_need()

    first, second = find_matches(db.session, need, now=NOW)
    assert (first.person_id, second.person_id) == (rarely.id, often.id)
    assert "asked 3 times this week (ranked lower)" in second.reasons
    assert any("(ranked lower)" in r and "did not take" in r for r in second.reasons)
    assert not any("ranked lower" in r for r in first.reasons)


def test_invitations_older_than_the_window_do_not_count_against_a_helper(app):
    helper = make_person()
    make_offer(helper, capacity=5)
    for _ in range(3):
        seat(helper, status="accepted", pod_status="resolved", invited_at=NOW - timedelta(days=30))
    [match] = find_matches(db.session, make_need(), now=NOW)
    assert not any("asked" in r for r in match.reasons)
    assert "said yes 3 times before" in match.reasons


def test_a_helper_who_speaks_the_requesters_language_ranks_higher(app):
    requester = make_person(language="es")
    english, spanish = make_person(language="en"), make_person(language="es")
    make_offer(english, **offset(1.0))
    make_offer(spanish, **offset(0, 1.0))
    first, second = find_matches(db.session, make_need(requester), now=NOW)
    assert (first.person_id, second.person_id) == (spanish.id, english.id)
    assert "speaks Spanish" in first.reasons
    assert not any("speaks" in r for r in second.reasons)


def test_fresher_offers_rank_higher(app):
    stale, fresh = make_person(), make_person()
    make_offer(stale, last_confirmed_at=NOW - timedelta(days=60))
    make_offer(fresh, last_confirmed_at=NOW - timedelta(hours=2))
    first, second = find_matches(db.session, make_need(), now=NOW)
    assert (first.person_id, second.person_id) == (fresh.id, stale.id)
    assert "confirmed today" in first.reasons
    assert "confirmed 60 days ago" in second.reasons


EVENINGS = {
    "any_time": False,
    "windows": [{"days": [0, 1, 2, 3, 4], "start": "18:00", "end": "21:00"}],
}


def test_urgent_needs_want_someone_free_in_the_next_hours_in_the_areas_time_zone(app):
    evening = make_person()
    make_offer(evening, availability=EVENINGS)
    new_york = make_area(timezone="America/New_York")
    los_angeles = make_area(timezone="America/Los_Angeles")

    # 15:00 UTC: 10:00 in New York; evenings are more than 3 hours away.
    assert find_matches(db.session, make_need(urgency="now", area_id=new_york.id), now=NOW) == []
    # ... but within "today" (12 hours), and any window counts for "week".
    [today] = find_matches(db.session, make_need(urgency="today"), now=NOW)
    assert "free this evening" in today.reasons
    [week] = find_matches(db.session, make_need(urgency="week"), now=NOW)
    assert "free Wednesday evening" in week.reasons

    # 01:30 UTC Thursday = 20:30 Wednesday in New York (free now), 17:30 in Los Angeles.
    late = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)
    [ny] = find_matches(db.session, make_need(urgency="now", area_id=new_york.id), now=late)
    assert "free now" in ny.reasons
    [la] = find_matches(db.session, make_need(urgency="now", area_id=los_angeles.id), now=late)
    assert "free this evening" in la.reasons


def test_one_suggestion_per_person_using_their_best_offer(app):
    helper = make_person()
    make_offer(helper, **offset(3.0))
    best = make_offer(helper, **offset(0.3))
    [match] = find_matches(db.session, make_need(), now=NOW)
    assert match.offer_id == best.id


def test_escalation_widens_the_search(app):
    helper = make_person()
    make_offer(helper, **offset(6.5), radius_km=15)
    need = make_need(urgency="today")
    assert find_matches(db.session, need, now=NOW) == []
    radii = escalation_radii("today")
    assert radii[0] == search_radius_km("today") < search_radius_km("today", 1) == radii[1]
    wider = find_matches(db.session, need, now=NOW, radius_km=search_radius_km("today", 1))
    assert people(wider) == [helper.id]
    # The need's own radius (set by a coordinator or a previous escalation) is honoured too.
    need.search_radius_km = 7.0
    assert people(find_matches(db.session, need, now=NOW)) == [helper.id]


def test_bad_inputs_are_refused_or_give_no_matches(app):
    make_offer()
    need = make_need()
    with pytest.raises(ValueError, match="radius"):
        find_matches(db.session, need, now=NOW, radius_km=0)
    with pytest.raises(ValueError, match="radius"):
        find_matches(db.session, need, now=NOW, radius_km=5000)
    with pytest.raises(ValueError, match="timezone"):
        find_matches(db.session, need, now=datetime(2026, 11, 25, 15, 0))
    assert find_matches(db.session, need, now=NOW, limit=0) == []
    need.lat = need.lng = None
    assert find_matches(db.session, need, now=NOW) == []


def test_the_spatial_index_follows_offers_as_they_move_pause_and_resume(app):
    helper = make_person()
    offer = make_offer(helper, **offset(40.0))
    need = make_need()
    assert find_matches(db.session, need, now=NOW) == []

    offer.lat, offer.lng = HOME_LAT, HOME_LNG
    db.session.flush()
    assert people(find_matches(db.session, need, now=NOW)) == [helper.id]

    offer.status = "paused"
    db.session.flush()
    assert find_matches(db.session, need, now=NOW) == []

    offer.status = "active"
    db.session.flush()
    assert people(find_matches(db.session, need, now=NOW)) == [helper.id]

    db.session.delete(offer)
    db.session.flush()
    assert find_matches(db.session, need, now=NOW) == []


def test_distances_show_in_miles_for_areas_that_use_miles(app):
    make_offer(**offset(1.609344 * 2))
    area = make_area(units="mi")
    [match] = find_matches(db.session, make_need(area_id=area.id), now=NOW)
    assert match.reasons[0] == "2.0 mi away"
