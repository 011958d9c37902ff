"""How pods are named in notices: links, category and urgency words, lists of names, all in
the language being rendered (notify() renders each text in its recipient's language)."""

from __future__ import annotations

from mutualaid.i18n import _
from mutualaid.models import Person, Pod


def pod_link(pod: Pod) -> str:
    """The group's page, as a site-relative link (notices show it; the web resolves it)."""
    return f"/pods/{pod.id}"


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
