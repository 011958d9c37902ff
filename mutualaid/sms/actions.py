"""What a texter can do about invitations and pods: YES / NO (accept, decline), DONE,
LEAVE, CANCEL <code>, PAUSE / RESUME, STATUS, LANG, and the relay of free text to the pod.

Codes: the parser returns every code-shaped word; the one that names a real invitation or
pod of this person wins, so "yes can do A7K" and "A7K yes" both work. Nobody ever receives
another person's phone number: relayed texts go through ``pods.thread.post_message``, which
sends ``[CODE] FirstName: text``.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from mutualaid import categories, needs
from mutualaid.i18n import _, _l
from mutualaid.models import Membership, Need, Person, Pod
from mutualaid.models.needs import ACTIVE_STATUSES
from mutualaid.models.pods import ACCEPTED, POD_ACTIVE, POD_FORMING
from mutualaid.needs import cancel_need
from mutualaid.notify import GROUP_NEWS, notify
from mutualaid.pods import lifecycle, seating
from mutualaid.pods.formation import PodError
from mutualaid.pods.mine import pending_invitations, seated_pods
from mutualaid.pods.thread import ThreadError, post_message
from mutualaid.pods.wording import pod_link
from mutualaid.sms import commands as c
from mutualaid.sms.compliance import mark_number_known
from mutualaid.sms.flow_state import CHOOSE_CODE, RELAY_CODE, forget, remember

OPEN_POD = (POD_FORMING, POD_ACTIVE)


# -- lookups --------------------------------------------------------------------------------


def pod_by_code(session: Session, code: str) -> Pod | None:
    return session.scalar(
        select(Pod).where(Pod.code == code.upper()).order_by(Pod.id.desc()).limit(1)
    )


def _pick(pods: list[Pod], codes: tuple[str, ...]) -> Pod | None:
    by_code = {p.code.upper(): p for p in pods}
    return next((by_code[k] for k in codes if k in by_code), None)


# Command words as the reader would type them (the parser accepts both languages).
COMMAND_WORDS = {
    c.YES: _l("YES"),
    c.NO: _l("NO"),
    c.DONE: _l("DONE"),
    c.LEAVE: _l("LEAVE"),
    c.CANCEL: _l("CANCEL"),
}
NEED_STATUS_WORDS = {
    "open": _l("open"),
    "matching": _l("finding neighbors"),
    "forming": _l("pod forming"),
    "active": _l("neighbors on it"),
    "resolved": _l("done"),
    "cancelled": _l("cancelled"),
    "expired": _l("expired"),
}


def _command_word(kind: str) -> str:
    return str(COMMAND_WORDS.get(kind, COMMAND_WORDS[c.CANCEL]))


def _codes(pods: list[Pod]) -> str:
    return ", ".join(f"{p.code} {categories.label(p.need.category)}" for p in pods[:6])


# -- YES / NO / DONE / LEAVE / CANCEL <code> -----------------------------------------------


def answer(session: Session, person: Person, cmd: c.Command) -> tuple[str | None, bool]:
    """Route a YES / NO / DONE / LEAVE / CANCEL to the pod it is about; (reply, handled)."""
    if cmd.kind in (c.YES, c.NO):
        pods = pending_invitations(session, person)
    elif cmd.kind == c.LEAVE:
        pods = seated_pods(session, person, helper_only=True)
    else:  # DONE, CANCEL: pods I am in (DONE) or needs I asked for (CANCEL)
        pods = seated_pods(session, person)
    chosen = _pick(pods, cmd.codes)
    if chosen is not None:
        return act(session, person, cmd.kind, chosen, cmd.note_without(chosen.code))
    if cmd.kind == c.CANCEL:
        return cancel_by_code(session, person, cmd), True
    if cmd.kind == c.YES and cmd.codes:
        late = _late_answer(session, person, cmd)
        if late is not None:
            return late, True
    typed = next((k for k in cmd.codes if any(ch.isdigit() for ch in k) and not k.isdigit()), None)
    if typed is not None and not (cmd.kind in (c.YES, c.NO) and len(pods) == 1 and cmd.note):
        return _(
            "I couldn't find %(code)s among yours. Reply STATUS to see your codes.", code=typed
        ), True
    if len(pods) == 1:
        return act(session, person, cmd.kind, pods[0], c.tidy(cmd.rest))
    if not pods:
        if cmd.kind in (c.YES, c.NO) and cmd.note and seated_pods(session, person):
            return free_text(session, person, cmd)  # "yes I'll bring it at 5" to the pod
        return _nothing(cmd.kind), True
    remember(session, person, CHOOSE_CODE, {"kind": cmd.kind, "note": cmd.note})
    word = _command_word(cmd.kind)
    return _(
        "Which one? %(list)s. Reply with the code, like %(word)s %(code)s.",
        list=_codes(pods),
        word=word,
        code=pods[0].code,
    ), True


def _late_answer(session: Session, person: Person, cmd: c.Command) -> str | None:
    """YES to a pod that no longer has an open invitation for this person."""
    for code in cmd.codes:
        pod = pod_by_code(session, code)
        if pod is None:
            continue
        membership = session.scalar(
            select(Membership).where(Membership.pod_id == pod.id, Membership.person_id == person.id)
        )
        if membership is None:
            continue
        if membership.status == ACCEPTED and pod.status in OPEN_POD:
            return _("You're already in %(code)s. Reply here to talk to the pod.", code=pod.code)
        result = seating.accept(session, pod, person, note=cmd.note_without(code))
        if result.seated:
            return _seated_reply(pod, cmd.note_without(code))
        if result.reason == seating.EXPIRED_INVITATION:
            return _("Sorry, the invitation for %(code)s expired. Thank you anyway!", code=pod.code)
        if result.reason == seating.NOT_INVITED:
            return _("You have no open invitation for %(code)s.", code=pod.code)
        if result.reason == seating.AT_CAPACITY:
            return _at_capacity(pod, result.capacity or 0)
        return _covered(pod)
    return None


def _at_capacity(pod: Pod, capacity: int) -> str:
    return _(
        "Thank you! You're already helping in as many groups as you said you could "
        "(%(num)s). Finish one or raise your limit on your offer, then reply YES %(code)s.",
        num=capacity,
        code=pod.code,
    )


def _covered(pod: Pod) -> str:
    return _(
        "Thank you! %(code)s is already covered, no action needed. We'll ask you again soon.",
        code=pod.code,
    )


def _seated_reply(pod: Pod, note: str) -> str:
    category = categories.label(pod.need.category)
    if note:
        return _(
            "Got it: you're in %(code)s (%(category)s). Your note went to the pod. Reply here "
            "to talk to them.",
            code=pod.code,
            category=category,
        )
    if pod.status == POD_ACTIVE:  # this seat completed the pod: the address text follows
        return _(
            "Got it: you're in %(code)s (%(category)s) and the pod is complete. "
            "Reply here to talk to the pod.",
            code=pod.code,
            category=category,
        )
    return _(
        "Got it: you're in %(code)s (%(category)s). We'll text when the pod is complete. "
        "Reply here to talk to the pod.",
        code=pod.code,
        category=category,
    )


def _nothing(kind: str) -> str:
    if kind in (c.YES, c.NO):
        return _("You have no open invitations right now. Reply STATUS to see yours.")
    if kind == c.LEAVE:
        return _("You're not helping in any pod right now. Reply STATUS to see yours.")
    return _("You have no open pods right now. Reply STATUS to see yours.")


def act(
    session: Session, person: Person, kind: str, pod: Pod, note: str
) -> tuple[str | None, bool]:
    """Do ``kind`` to ``pod`` for ``person``; (reply, handled)."""
    if kind == c.YES:
        was_invited = seating.pending_invitation(session, pod, person) is not None
        result = seating.accept(session, pod, person, note=note)
        if result.seated:
            mark_number_known(session, person)
            return _seated_reply(pod, note), True
        if result.reason == seating.EXPIRED_INVITATION:
            return _(
                "Sorry, the invitation for %(code)s expired. Thank you anyway!", code=pod.code
            ), True
        if result.reason == seating.AT_CAPACITY:
            return _at_capacity(pod, result.capacity or 0), True
        if result.reason == seating.FULL and was_invited:
            return None, True  # formation already texted the kind "already covered" notice
        return _covered(pod), True
    if kind == c.NO:
        seating.decline(session, pod, person)
        return _("Got it: you declined %(code)s. Thanks for letting us know.", code=pod.code), True
    if kind == c.LEAVE:
        try:
            lifecycle.leave(session, pod, person, reason="sms")
        except PodError as exc:
            return str(exc), True
        return _(
            "Got it: you left %(code)s. We'll invite someone else. Thank you!", code=pod.code
        ), True
    if kind == c.CANCEL:
        try:
            needs.cancel_from_pod(session, pod, person)
        except PodError as exc:
            return str(exc), True
        return _(
            "Got it: need %(code)s is cancelled. Everyone involved was told.", code=pod.code
        ), True
    return done(session, person, pod)


def cancel_by_code(session: Session, person: Person, cmd: c.Command) -> str:
    """CANCEL <code> for one of the person's own needs (also one still without a pod)."""
    for code in cmd.codes:
        need = session.scalar(
            select(Need).where(
                Need.requester_id == person.id,
                Need.code == code,
                Need.status.in_(ACTIVE_STATUSES),
            )
        )
        if need is not None:
            cancel_need(session, need, actor=person)
            return _(
                "Got it: need %(code)s is cancelled. Everyone involved was told.", code=need.code
            )
    return _("Text CANCEL and the code of your need, like CANCEL A7K. STATUS shows your codes.")


def done(session: Session, person: Person, pod: Pod) -> tuple[str | None, bool]:
    """DONE: the requester or the lead closes the need (everyone is thanked by text or
    web); another helper's DONE asks the requester to confirm."""
    need: Need = pod.need
    if person.id in (need.requester_id, pod.lead_id) or person.is_coordinator:
        try:
            needs.resolve_from_pod(session, pod, person)
        except PodError as exc:
            return str(exc), True
        return None, True  # the "thank you" notice reaches everyone, this person too
    requester = need.requester
    notify(
        session,
        requester,
        "done_asked",
        lambda: _(
            "%(name)s says %(code)s is done. Please confirm on the pod page.",
            name=person.first_name,
            code=pod.code,
        ),
        lambda: _(
            "mutualaid: %(name)s says %(code)s is done. Reply DONE %(code)s to confirm, "
            "or reply here if not.",
            name=person.first_name,
            code=pod.code,
        ),
        link=pod_link(pod),
        pod=pod,
        need=need,
        priority=GROUP_NEWS,
    )
    return _(
        "Thanks! We asked %(name)s to confirm %(code)s is done.",
        name=requester.first_name,
        code=pod.code,
    ), True


def answer_chosen(
    session: Session, person: Person, data: dict, cmd: c.Command
) -> tuple[str | None, bool]:
    """The reply to "Which one?": a code (with or without the word)."""
    forget(session, person)
    kind = data.get("kind") or c.YES
    again = c.Command(kind, cmd.text, cmd.rest, cmd.code, cmd.codes, note=data.get("note") or "")
    if not cmd.codes:
        return _(
            "Sorry, I need the code, like %(word)s A7K. Reply STATUS to see yours.",
            word=_command_word(kind),
        ), True
    return answer(session, person, again)


# -- free text: relay to the pod, or the coordinators' inbox ----------------------------------


def relay(session: Session, person: Person, pod: Pod, text: str) -> tuple[str | None, bool]:
    try:
        post_message(session, pod, person, text[:1000], channel="sms", relay=True)
    except ThreadError as exc:
        return str(exc), True
    return None, True  # silent: the pod got it; no receipt text per message


def free_text(session: Session, person: Person, cmd: c.Command) -> tuple[str | None, bool]:
    pods = seated_pods(session, person)
    if cmd.kind == c.TEXT and cmd.code:  # "A7K: running late"
        chosen = _pick(pods, (cmd.code,))
        if chosen is not None:
            return relay(session, person, chosen, cmd.rest if cmd.rest else cmd.text)
    text = cmd.text
    if len(pods) == 1 and text:
        return relay(session, person, pods[0], text)
    if len(pods) > 1 and text:
        remember(session, person, RELAY_CODE, {"text": text[:1000]})
        return _(
            "You're in %(n)s pods: %(list)s. Which one is this for? Reply with the code, "
            "or next time start with it: %(code)s: your message",
            n=len(pods),
            list=_codes(pods),
            code=pods[0].code,
        ), True
    if cmd.kind == c.EMPTY and not text:
        return _("We got an empty text. Reply HELP for commands."), True
    # Nobody to relay to: the coordinators' inbox shows it (handled_at stays empty).
    return _(
        "Thanks, a coordinator will read this. To ask for help text NEED and what and where, "
        "like NEED groceries 11211. HELP for commands."
    ), False


def relay_chosen(
    session: Session, person: Person, data: dict, cmd: c.Command
) -> tuple[str | None, bool]:
    forget(session, person)
    pods = seated_pods(session, person)
    chosen = _pick(pods, cmd.codes)
    if chosen is None:
        # Not a code: this is a new message; the old one waits no longer.
        return free_text(session, person, cmd)
    return relay(session, person, chosen, data.get("text") or "")
