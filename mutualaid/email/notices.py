"""The email form of every notice kind (issue 19): a subject, the notice's text, a link to
act (for invitations, "still need help?" and "still available?": a signed page that works
without a login), and a footer saying how to change or stop these emails.

Rendered by ``notify`` inside the recipient's language. The one-click unsubscribe link
(``List-Unsubscribe``, RFC 8058) names the person and the notice's category.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid.email.links import absolute, sign, unsubscribe_url
from mutualaid.email.render import Action, Draft, Email
from mutualaid.i18n import _
from mutualaid.models import Membership, Need, Person, Pod
from mutualaid.models.email import (
    CATEGORY_CHECKINS,
    CATEGORY_GROUP,
    CATEGORY_INVITATIONS,
    CATEGORY_THREAD,
)
from mutualaid.models.pods import INVITED

# Subjects by kind; each takes the need's short code ("" when there is none).
SUBJECTS: dict[str, Callable[[str], str]] = {
    "invitation": lambda code: _("Can you help a neighbor? (%(code)s)", code=code),
    "invitation_withdrawn": lambda code: _("No need to answer: %(code)s is covered", code=code),
    "pod_full": lambda code: _("%(code)s filled up before you answered", code=code),
    "checkin": lambda code: _("Do you still need help with %(code)s?", code=code),
    "offer_confirm": lambda code: _("Are you still available to help?"),
    "pod_formed": lambda code: _("Your group %(code)s is complete", code=code),
    "helper_joined": lambda code: _("A helper joined %(code)s", code=code),
    "pod_resolved": lambda code: _("%(code)s is done: thank you", code=code),
    "need_cancelled": lambda code: _("%(code)s was cancelled", code=code),
    "pod_dissolved": lambda code: _("Group %(code)s was closed", code=code),
    "done_asked": lambda code: _("Is %(code)s done?", code=code),
    "need_escalated": lambda code: _("We are still looking for help with %(code)s", code=code),
    "need_expired": lambda code: _("Your request %(code)s expired", code=code),
    "need_unmatched": lambda code: _("%(code)s needs a coordinator", code=code),
    "need_unmatched_nearby": lambda code: _(
        "A neighboring area needs help with %(code)s", code=code
    ),
    "coordinator_message": lambda code: _("A coordinator wrote about %(code)s", code=code),
    "phone_claim_dropped": lambda code: _("We removed a phone number from your profile"),
}

CATEGORY_NAMES: dict[str, Callable[[], str]] = {
    CATEGORY_INVITATIONS: lambda: _("invitations"),
    CATEGORY_GROUP: lambda: _("group updates"),
    CATEGORY_THREAD: lambda: _("group messages"),
    CATEGORY_CHECKINS: lambda: _("check-ins"),
}

ANSWER_DAYS = 7  # a "still need help?" / invitation link's lifetime (also checked in the DB)
OFFER_DAYS = 21


def subject_for(kind: str, code: str) -> str:
    make = SUBJECTS.get(kind)
    if make is None or (not code and "%(code)s" in _subject_template(kind)):
        return _("News from mutualaid")
    return make(code)


def _subject_template(kind: str) -> str:
    return SUBJECTS[kind]("%(code)s")


def answer_action(
    session: Session, kind: str, person: Person, need: Need | None, pod: Pod | None
) -> Action | None:
    """The signed link to act from the email, for the kinds that ask a question."""
    if kind == "invitation" and pod is not None:
        membership = session.scalar(
            select(Membership).where(
                Membership.pod_id == pod.id,
                Membership.person_id == person.id,
                Membership.status == INVITED,
            )
        )
        if membership is None:
            return None
        token = sign("invitation", {"m": membership.id, "p": person.id})
        return Action(_("Answer: yes, or not this time"), absolute(f"/email/invitation/{token}"))
    if kind == "checkin" and pod is not None:
        token = sign("checkin", {"pod": pod.id, "p": person.id})
        return Action(_("Answer: do you still need help?"), absolute(f"/email/checkin/{token}"))
    if kind == "offer_confirm":
        token = sign("offers", {"p": person.id})
        return Action(_("Answer: still available?"), absolute(f"/email/offers/{token}"))
    return None


def footer(person: Person, category: str) -> list[str]:
    name = CATEGORY_NAMES.get(category, CATEGORY_NAMES[CATEGORY_GROUP])()
    return [
        _("You get this email because you have a mutualaid account and chose emails for "
          "%(category)s.", category=name),
        _("Choose what we email you: %(url)s", url=absolute("/account/profile#notices")),
        _("Stop these emails: %(url)s", url=unsubscribe_url(person.id, category)),
    ]  # fmt: skip


def notice_email(
    session: Session,
    person: Person,
    kind: str,
    category: str,
    text: str,
    *,
    link: str = "",
    need: Need | None = None,
    pod: Pod | None = None,
) -> Email:
    """The email form of a notice, in the current language."""
    code = (pod.code if pod is not None else "") or (need.code if need is not None else "")
    actions = []
    action = answer_action(session, kind, person, need, pod)
    if action is not None:
        actions.append(action)
    elif link:
        actions.append(Action(_("Open it on the website"), absolute(link)))
    draft = Draft(subject_for(kind, code), [text], actions, footer(person, category))
    return draft.render(person.first_name)
