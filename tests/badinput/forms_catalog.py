"""Every web form (POST endpoint) and every filtered page, with who may use it and which
fields it reads, for the hostile-input sweep in test_forms_fuzz.py.

Adding a form: add one line to FORMS (persona from tests/security/scene.py, a URL template
over FuzzScene.url_args(), the field names the view reads; ``FILE`` for an upload field).
A POST endpoint in the URL map with no line here (and not in ELSEWHERE) fails
``test_every_post_endpoint_has_a_strategy``.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import strategies as st

from mutualaid.extensions import db
from mutualaid.models import Person
from tests.security.scene import Scene, build_scene

FILE = "file"  # an uploaded file: hostile CSV text
CATEGORY = ["key", "name_en", "name_es", "people_needed", "synonyms"]

NASTY = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(min_codepoint=0, max_codepoint=0x1F), max_size=10),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "x" * 5000,
            "-1",
            "0",
            "1",
            "99999999999999999999",
            "2200000000",
            "9223372036854775808",
            "²",  # a digit to str.isdigit(), not to int()
            "1e309",
            "NaN",
            "inf",
            "3.5",
            "<script>alert(1)</script>",
            "'; DROP TABLE people; --",
            "groceries",
            "today",
            "needs",
            "offers",
            "restore",
            "40.71,-73.96",
            "11211",
            "+15550109999",
            "(555) 010-9999",
            "name@example.org",
            "correct horse battery",
            "es",
            "km",
            "admin",
            "coordinator",
            "Q7Z",
            "America/New_York",
            "Mars/Olympus",
            "\r\nLocation: https://evil.example",
            "//evil.example",
            "#x\r\nSet-Cookie: a=b",
            "😀" * 300,
        ]
    ),
)

CSV_HEADERS = (
    "external_id,category,urgency,details,location,name,phone",
    "external_id,categories,radius_km,location,name,phone,capacity",
    "",
    "a,b\x00,c",
)
CSV_TEXT = st.one_of(
    st.text(max_size=200),
    st.builds(
        lambda head, rows: head + "\n" + "\n".join(",".join(r) for r in rows),
        st.sampled_from(CSV_HEADERS),
        st.lists(st.lists(NASTY, min_size=1, max_size=7), max_size=4),
    ),
)

NEED = ["category", "urgency", "people_needed", "details", "location", "contact_preference"]
OFFER = ["categories", "radius_km", "when", "days", "start", "end", "capacity", "location"]
AREA = ["slug", "name", "center_lat", "center_lng", "radius_km", "timezone", "units"]

# endpoint -> (persona, url template, field names)
FORMS: dict[str, tuple[str, str, list[str]]] = {
    # visitors and neighbors
    "auth.signup": ("anonymous", "/auth/signup", ["name", "email", "phone", "password", "confirm"]),
    "auth.login": ("anonymous", "/auth/login", ["email", "password"]),
    "auth.logout": ("neighbor", "/auth/logout", []),
    "auth.logout_everywhere": ("neighbor", "/auth/logout-everywhere", []),
    "main.set_language": ("neighbor", "/language", ["lang", "next"]),
    "account.profile": (
        "neighbor",
        "/account/profile",
        ["name", "language", "phone", "sms_preference"],
    ),
    "account.phone": (
        "neighbor",
        "/account/phone",
        ["send-phone", "send-send", "code-code", "code-confirm"],
    ),
    "account.tokens": ("neighbor", "/account/tokens", ["name", "scope", "submit"]),
    "account.password": (
        "neighbor",
        "/account/password",
        ["pw-current", "pw-new", "pw-confirm", "pw-change"],
    ),
    "account.revoke_token": ("neighbor", "/account/tokens/{token_id}/revoke", ["submit"]),
    "simulator.phone": ("neighbor", "/simulator/", ["number", "body", "send"]),
    # Email (issue 19): account forms, and the pages behind links (a bad token: a 400 page).
    "auth.forgot": ("anonymous", "/auth/forgot", ["email"]),
    "auth.reset": ("anonymous", "/auth/reset/not-a-token", ["new", "confirm"]),
    "auth.verify": ("anonymous", "/auth/verify/not-a-token", ["submit"]),
    "auth.email_change": ("anonymous", "/auth/email-change/not-a-token", ["submit"]),
    "auth.resend_verification": ("neighbor", "/auth/verify", ["submit"]),
    "account.change_email": ("neighbor", "/account/email", ["em-email", "em-password"]),
    "account.delete": ("neighbor", "/account/delete", ["del-password"]),
    "account.notices": (
        "neighbor",
        "/account/notices",
        ["nt-invitations", "nt-group", "nt-thread", "nt-checkins"],
    ),
    "email_links.unsubscribe": ("anonymous", "/email/unsubscribe/not-a-token", ["x"]),
    "email_links.invitation": ("anonymous", "/email/invitation/not-a-token", ["answer"]),
    "email_links.checkin": ("anonymous", "/email/checkin/not-a-token", ["answer"]),
    "email_links.offers": ("anonymous", "/email/offers/not-a-token", ["answer"]),
    "needs.new": ("owner", "/needs/new", NEED),
    "needs.edit": ("owner", "/needs/{need_id}/edit", NEED),
    "needs.cancel": ("owner", "/needs/{need_id}/cancel", ["reason"]),
    "needs.resolve": ("owner", "/needs/{need_id}/resolve", []),
    "needs.reopen": ("owner", "/needs/{need_id}/reopen", []),
    "offers.new": ("helper", "/offers/new", [*OFFER, "notes"]),
    "offers.edit": ("helper", "/offers/{offer_id}/edit", [*OFFER, "notes"]),
    "offers.confirm": ("helper", "/offers/{offer_id}/confirm", []),
    "offers.pause": ("helper", "/offers/{offer_id}/pause", []),
    "offers.resume": ("helper", "/offers/{offer_id}/resume", []),
    "offers.delete": ("helper", "/offers/{offer_id}/delete", []),
    # pods
    "pods.accept_invitation": ("helper", "/pods/{pod_id}/accept", ["note"]),
    "pods.decline_invitation": ("helper", "/pods/{pod_id}/decline", ["note"]),
    "pods.post_message": ("member", "/pods/{pod_id}/messages", ["body"]),
    "pods.add_item": ("member", "/pods/{pod_id}/checklist", ["text"]),
    "pods.toggle_item": ("member", "/pods/{pod_id}/checklist/{item_id}", []),
    "pods.feedback": ("owner", "/pods/{pod_id}/feedback", ["rating", "note"]),
    "pods.change_lead": ("owner", "/pods/{pod_id}/lead", ["person_id"]),
    "pods.mark_read": ("member", "/notifications/read", ["anchor", "pod_id", "next"]),
    "pods.leave": ("member", "/pods/{pod_id}/leave", ["reason"]),
    "pods.resolve": ("member", "/pods/{pod_id}/resolve", ["note"]),
    "pods.cancel": ("owner", "/pods/{pod_id}/cancel", ["reason"]),
    # coordinators: needs
    "coordinate.edit": (
        "coordinator",
        "/coordinate/needs/{need_id}/edit",
        ["category", "urgency", "people_needed", "details"],
    ),
    "coordinate.widen": ("coordinator", "/coordinate/needs/{need_id}/widen", []),
    "coordinate.cancel": ("coordinator", "/coordinate/needs/{need_id}/cancel", ["reason"]),
    "coordinate.contact": ("coordinator", "/coordinate/needs/{need_id}/contact", ["message"]),
    "coordinate.invite": (
        "coordinator",
        "/coordinate/needs/{need_id}/invite",
        ["person_id", "pick", "radius"],
    ),
    "coordinate.form_pod": ("coordinator", "/coordinate/needs/{need_id}/form-pod", []),
    # coordinators: pods
    "coordinate.add_member": (
        "coordinator",
        "/coordinate/pods/{pod_id}/members/add",
        ["who", "reason"],
    ),
    "coordinate.remove_member": (
        "coordinator",
        "/coordinate/pods/{pod_id}/members/{person_id}/remove",
        ["reason", "next"],
    ),
    "coordinate.change_lead": ("coordinator", "/coordinate/pods/{pod_id}/lead", ["person_id"]),
    "coordinate.message": ("coordinator", "/coordinate/pods/{pod_id}/message", ["body"]),
    "coordinate.dissolve": (
        "coordinator",
        "/coordinate/pods/{pod_id}/dissolve",
        ["reason", "next"],
    ),
    # coordinators: SMS inbox, people, CSV
    "coordinate.inbox_reply": ("coordinator", "/coordinate/inbox/{message_id}/reply", ["body"]),
    "coordinate.inbox_attach": ("coordinator", "/coordinate/inbox/{message_id}/attach", ["code"]),
    "coordinate.inbox_create_need": (
        "coordinator",
        "/coordinate/inbox/{message_id}/need",
        ["category", "urgency", "details", "location"],
    ),
    "coordinate.inbox_handled": ("coordinator", "/coordinate/inbox/{message_id}/handled", []),
    "coordinate.suspend": (
        "coordinator",
        "/coordinate/people/{neighbor_id}/suspend",
        ["action", "reason"],
    ),
    "coordinate.merge": (
        "coordinator",
        "/coordinate/people/{texter_id}/merge?other={neighbor_id}",
        [],
    ),
    "coordinate.import_csv": ("coordinator", "/coordinate/csv/import", ["kind", FILE]),
    # admins
    "admin.change_role": ("admin", "/admin/people/{person_id}/role", ["role", "q"]),
    "admin.new_area": ("admin", "/admin/areas/new", [*AREA, "coordinators"]),
    "admin.edit_area": ("admin", "/admin/areas/{area_id}", [*AREA, "coordinators"]),
    "admin.categories": ("admin", "/admin/categories", CATEGORY),
    "admin.edit_category": ("admin", "/admin/categories/{key}", CATEGORY),
    "admin.category_active": ("admin", "/admin/categories/{key}/active", ["active"]),
    "admin.retention": ("admin", "/admin/retention", ["days", "reset"]),
}

# POST endpoints swept elsewhere.
ELSEWHERE = {
    "sms_hooks.inbound": "tests/badinput/test_webhooks.py",
    "sms_hooks.status": "tests/badinput/test_webhooks.py",
}
ELSEWHERE_PREFIXES = {"api.": "tests/api/test_api_schemathesis.py (schemathesis)"}

# GET pages with filters: endpoint -> (persona, url, query parameter names)
QUERIES: dict[str, tuple[str, str, list[str]]] = {
    "needs.board": ("neighbor", "/needs/board", ["category", "km"]),
    "coordinate.queue": ("coordinator", "/coordinate/", ["area", "category", "status", "page"]),
    "coordinate.need": ("coordinator", "/coordinate/needs/{need_id}", ["radius"]),
    "coordinate.pods": ("coordinator", "/coordinate/pods", ["status", "page"]),
    "coordinate.people": ("coordinator", "/coordinate/people", ["q", "page"]),
    "coordinate.merge": ("coordinator", "/coordinate/people/{texter_id}/merge", ["other", "q"]),
    "coordinate.map": ("coordinator", "/coordinate/map", ["area"]),
    "coordinate.metrics": ("coordinator", "/coordinate/metrics", ["days", "by"]),
    "coordinate.export": ("coordinator", "/coordinate/csv/export/needs.csv", ["area", "status"]),
    "coordinate.audit": ("coordinator", "/coordinate/audit", ["action", "page"]),
    "admin.people": ("admin", "/admin/people", ["q", "page"]),
    "simulator.phone": ("neighbor", "/simulator/", ["number"]),
}

_sid = itertools.count(1)


@dataclass
class FuzzScene:
    scene: Scene
    extra: dict[str, int]

    @property
    def people(self) -> dict[str, Person | None]:
        return self.scene.people

    def url_args(self) -> dict[str, int | str]:
        return {**self.scene.url_args(), **self.extra}


def build_fuzz_scene() -> FuzzScene:
    """The security scene plus what the remaining forms act on: an unplaced inbound text
    (the coordinator's inbox) from a phone-only texter, and an API token of the neighbor."""
    from mutualaid.api_tokens import create_token
    from mutualaid.sms.apply import receive_inbound

    scene = build_scene()
    text = receive_inbound(
        db.session,
        sid=f"SMfuzz{next(_sid):010d}",
        from_number="+17185550177",
        to_number="+15005550006",
        body="my fridge died, can anyone bring food?",
    ).message
    texter = db.session.get(Person, text.person_id)
    texter.home_area_id = scene.need.area_id
    token, _secret = create_token(db.session, scene.people["neighbor"], "fuzz")
    db.session.flush()
    return FuzzScene(
        scene,
        {
            "message_id": text.id,
            "texter_id": texter.id,
            "neighbor_id": scene.people["neighbor"].id,  # type: ignore[union-attr]
            "token_id": token.id,
        },
    )
