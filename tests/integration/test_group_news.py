"""Issue 17: people hear what happens. The requester is told when each helper joins (not
only when the group is complete), and when nobody can be found even at the widest radius
the area's coordinators are told and the requester gets an honest update, once."""

from __future__ import annotations

from sqlalchemy import select

from mutualaid.extensions import db
from mutualaid.models import Notification
from mutualaid.pods.cascade import expire_invitations
from mutualaid.pods.formation import invite_round, start_pod
from mutualaid.pods.seating import accept
from tests.coordinate_scene import two_areas
from tests.pod_scene import helpers_at, make_need


def _notices(person, kind: str) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.text).where(
                Notification.person_id == person.id, Notification.kind == kind
            )
        )
    )


def test_the_requester_hears_when_each_helper_joins(neighbor):
    need = make_need(neighbor, code="JN2", people_needed=2)
    jo, _sam = helpers_at(0.3, 0.5, prefix="Joiner")
    pod = start_pod(db.session, need)
    accept(db.session, pod, jo)
    assert _notices(neighbor, "helper_joined") == [
        f"{jo.first_name} joined to help with JN2. We're looking for 1 more."
    ]


def test_nobody_in_reach_tells_the_coordinators_and_the_requester_once(neighbor, coordinator):
    scene = two_areas(coordinator)
    need = make_need(neighbor, code="NB1", area_id=scene.east.id, people_needed=1)
    pod = start_pod(db.session, need)  # no helpers anywhere: the widest radius finds nobody
    assert need.unmatched_reason
    told = _notices(coordinator, "need_unmatched")
    assert told == ["Nobody nearby can take NB1 yet: it needs a coordinator."]
    assert _notices(scene.wes, "need_unmatched") == []  # another area's coordinator
    assert _notices(neighbor, "need_escalated") == [
        "We haven't found a neighbor for NB1 yet. A coordinator is looking."
    ]
    invite_round(db.session, pod)  # the next round finds nobody again: no second notice
    expire_invitations(db.session)
    assert len(_notices(coordinator, "need_unmatched")) == 1
    assert len(_notices(neighbor, "need_escalated")) == 1


def test_backfill_re_asks_the_helpers_who_were_told_it_was_covered(neighbor):
    """Issue 17: after a member left, the helpers told "thanks, it's covered" were excluded as
    already invited, and the need was wrongly flagged "no offers within 12 km"."""
    from mutualaid.models import Membership
    from mutualaid.models.pods import INVITED, WITHDRAWN
    from mutualaid.pods.lifecycle import leave

    need = make_need(neighbor, code="BF1", people_needed=1)
    first, second = helpers_at(0.3, 0.6, prefix="Backfill")
    pod = start_pod(db.session, need)
    accept(db.session, pod, first)

    def status_of(helper):
        return db.session.scalar(
            select(Membership.status).where(
                Membership.pod_id == pod.id, Membership.person_id == helper.id
            )
        )

    assert status_of(second) == WITHDRAWN  # told it was covered
    leave(db.session, pod, first)
    assert status_of(second) == INVITED  # asked again
    assert not need.unmatched_reason
