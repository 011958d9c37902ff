"""One small world for the security tests: a need in area A with its pod (one seated helper,
one invited helper), coordinators of area A and of area B, an admin, an unrelated neighbor.

Every persona has a distinct phone number, and the need has an exact address and exact
coordinates, so leak scans can look for them verbatim.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mutualaid.extensions import db
from mutualaid.models import ChecklistItem, ImportJob, Need, Offer, Person, Pod
from mutualaid.pods.formation import start_pod
from mutualaid.pods.seating import accept
from tests.factories import make_area, make_person
from tests.pod_scene import HOME, make_helper, make_need

PERSONAS = (
    "anonymous",
    "neighbor",
    "owner",
    "helper",
    "member",
    "other_coordinator",
    "coordinator",
    "admin",
)

ADDRESS = "12 Berry St, Brooklyn"
# Exact coordinates with more digits than the 2-decimal public snap.
EXACT = (40.714321, -73.954321)  # not the HOME used as an example in the API docs


@dataclass
class Scene:
    people: dict[str, Person | None]
    need: Need
    pod: Pod
    offer: Offer
    item: ChecklistItem
    job: ImportJob
    ids: dict[str, int] = field(default_factory=dict)

    def url_args(self) -> dict[str, int | str]:
        return {
            "area_id": self.need.area_id or 1,
            "kind": "needs",
            "need_id": self.need.id,
            "pod_id": self.pod.id,
            "offer_id": self.offer.id,
            "person_id": self.people["member"].id,  # type: ignore[union-attr]
            "item_id": self.item.id,
            "job_id": self.job.id,  # a CSV import the area's coordinator started
            "key": "groceries",  # a category (admin pages)
            "email_id": 999_999_999,  # the development mailbox: an email that does not exist
            "token": "not-a-real-token",  # links from emails (issue 19)
        }


def build_scene() -> Scene:
    area_a = make_area(name="Williamsburg", center_lat=HOME[0], center_lng=HOME[1])
    area_b = make_area(name="Far Rockaway", center_lat=40.60, center_lng=-73.75)
    owner = make_person(name="Rosa Requester", phone="+15550100001")
    neighbor = make_person(name="Ned Neighbor", phone="+15550100002")
    member = make_helper("Mia Member", 0.5, phone="+15550100003")
    helper = make_helper("Hal Helper", 1.0, phone="+15550100004")
    coordinator = make_person("coordinator", name="Cora Coord", phone="+15550100005")
    other = make_person("coordinator", name="Otto Othercoord", phone="+15550100006")
    admin = make_person("admin", name="Ada Admin", phone="+15550100007")
    coordinator.areas.append(area_a)
    other.areas.append(area_b)
    need = make_need(
        owner, people_needed=2, where=EXACT, address=ADDRESS, area_id=area_a.id, code="Q7Z"
    )
    pod = start_pod(db.session, need)
    assert accept(db.session, pod, member).seated
    item = ChecklistItem(pod_id=pod.id, text="buy milk", created_by_id=owner.id)
    db.session.add(item)
    offer = db.session.query(Offer).filter_by(helper_id=helper.id).one()
    job = ImportJob(actor_id=coordinator.id, kind="people", status="done", errors=[])
    db.session.add(job)
    db.session.flush()
    people = {
        "anonymous": None,
        "neighbor": neighbor,
        "owner": owner,
        "helper": helper,
        "member": member,
        "other_coordinator": other,
        "coordinator": coordinator,
        "admin": admin,
    }
    return Scene(people=people, need=need, pod=pod, offer=offer, item=item, job=job)


def route_url(rule, args: dict) -> str:
    """A concrete URL for ``rule`` pointing at the scene's objects (needs a request context)."""
    from flask import url_for

    values = {a: args.get(a, 1) for a in rule.arguments}
    if "filename" in rule.arguments:
        values["filename"] = "css/site.css"
    return url_for(rule.endpoint, **values)


def snapshot(scene: Scene) -> tuple:
    """What a forbidden request must not change."""
    from sqlalchemy import select

    from mutualaid.models import CategoryRow, Membership, SiteSetting

    db.session.expire_all()
    members = db.session.execute(
        select(Membership.person_id, Membership.status)
        .where(Membership.pod_id == scene.pod.id)
        .order_by(Membership.person_id)
    ).all()
    roles = db.session.execute(
        select(Person.id, Person.role, Person.suspended_at).order_by(Person.id)
    ).all()
    admin_settings = (
        *db.session.execute(select(CategoryRow.key, CategoryRow.active, CategoryRow.name_en)),
        *db.session.execute(select(SiteSetting.key, SiteSetting.value)),
    )
    return (
        scene.need.status,
        scene.need.details,
        scene.pod.status,
        scene.pod.lead_id,
        scene.offer.status,
        scene.item.done_at,
        tuple(members),
        tuple(roles),
        tuple(sorted(admin_settings)),
    )
