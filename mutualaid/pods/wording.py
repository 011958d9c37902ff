"""How pods are named in notices: links, category and urgency words, lists of names, all in
the language being rendered (notify() renders each text in its recipient's language)."""

from __future__ import annotations

from flask import url_for

from mutualaid.i18n import _
from mutualaid.models import Need, Person, Pod


def pod_link(pod: Pod) -> str:
    try:
        return url_for("pods.show", pod_id=pod.id)
    except RuntimeError:  # outside a request (worker): a relative link is enough
        return f"/pods/{pod.id}"


def category_name(need: Need) -> str:
    """The need's category in the language being rendered now."""
    from mutualaid.categories import name_of
    from mutualaid.i18n import current_language

    return name_of(need.category, current_language())


def urgency_label(urgency: str) -> str:
    return {
        "now": _("needed now"),
        "today": _("needed today"),
        "week": _("this week"),
        "flexible": _("flexible timing"),
    }.get(urgency, urgency)


def join_names(people: list[Person]) -> str:
    """'Jo', 'Jo and Sam', 'Ana, Jo and Sam' in the language being rendered."""
    names = [p.first_name for p in people]
    if len(names) <= 1:
        return "".join(names)
    return _("%(first)s and %(last)s", first=", ".join(names[:-1]), last=names[-1])
