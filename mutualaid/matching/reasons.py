"""Match reasons in words: a :class:`~mutualaid.matching.scoring.Reason` (or one stored as
a dict on an invitation) rendered in whoever's language is current
(``mutualaid.i18n.in_language`` for an SMS recipient). Scoring stays pure; this module is
the part that needs the translations."""

from __future__ import annotations

from collections.abc import Callable
from gettext import NullTranslations

from flask_babel import get_translations

from mutualaid.categories import name_of
from mutualaid.i18n import current_language
from mutualaid.matching.scoring import Reason
from mutualaid.settings import KM_PER_MILE


def render_stored(reason: object) -> str:
    """A reason as stored on an invitation (``Reason.as_dict()``) in the viewer's language."""
    if isinstance(reason, dict) and "key" in reason:
        return render(
            Reason(
                key=reason["key"],
                params=tuple((reason.get("params") or {}).items()),
                lowers=bool(reason.get("lowers")),
            )
        )
    return str(reason)


def render(reason: Reason, translations: NullTranslations | None = None) -> str:
    """The reason as a sentence fragment in the current language (``translations``: a
    gettext translations object, fetched once by callers rendering many reasons)."""
    # flask_babel is untyped; get_translations() returns a babel.support.(Null)Translations.
    tr: NullTranslations = translations if translations is not None else get_translations()
    gettext, ngettext = tr.gettext, tr.ngettext
    p = dict(reason.params)
    key = reason.key
    if key == "distance":
        km, units = p["km"], p.get("units", "km")
        if units == "mi":
            return gettext("%(n)s mi away") % {"n": f"{km / KM_PER_MILE:.1f}"}
        if km < 0.1:
            return gettext("less than 100 m away")
        return gettext("%(n)s km away") % {"n": f"{km:.1f}"}
    if key == "category":
        label = name_of(str(p["category"]), current_language()).replace("_", " ").lower()
        return gettext("offers %(category)s") % {"category": label}
    if key == "when":
        return _when_text(gettext, p["kind"], p.get("day", 0), p.get("part", ""))
    if key == "slots":
        return ngettext(
            "%(free)d of %(num)d pod slot free",
            "%(free)d of %(num)d pod slots free",
            p["total"],
        ) % {"free": p["free"], "num": p["total"]}
    if key == "language":
        names = {"en": gettext("English"), "es": gettext("Spanish")}
        return gettext("speaks %(language)s") % {
            "language": names.get(p["language"], p["language"])
        }
    if key == "confirmed":
        if p["days"] < 1:
            return gettext("confirmed today")
        return ngettext("confirmed %(num)d day ago", "confirmed %(num)d days ago", p["days"]) % {
            "num": p["days"]
        }
    if key == "asked" and p["days"] == 7:
        return ngettext(
            "asked %(num)d time this week (ranked lower)",
            "asked %(num)d times this week (ranked lower)",
            p["times"],
        ) % {"num": p["times"]}
    if key == "asked":
        return ngettext(
            "asked %(num)d time in %(days)d days (ranked lower)",
            "asked %(num)d times in %(days)d days (ranked lower)",
            p["times"],
        ) % {"num": p["times"], "days": p["days"]}
    if key == "open":
        return ngettext(
            "has %(num)d other open invitation (ranked lower)",
            "has %(num)d other open invitations (ranked lower)",
            p["times"],
        ) % {"num": p["times"]}
    if key == "missed":
        return gettext("did not take %(missed)d of %(asked)d recent invitations (ranked lower)") % {
            "missed": p["missed"],
            "asked": p["asked"],
        }
    if key == "helped":
        return ngettext(
            "said yes %(num)d time before", "said yes %(num)d times before", p["times"]
        ) % {"num": p["times"]}
    return key


def _when_text(gettext: Callable[[str], str], kind: str, day: int, part: str) -> str:
    if kind == "any_time":
        return gettext("free any time")
    if kind == "now":
        return gettext("free now")
    if kind == "day" and day == 0:
        parts = {
            "morning": gettext("free this morning"),
            "afternoon": gettext("free this afternoon"),
            "evening": gettext("free this evening"),
            "night": gettext("free tonight"),
        }
        return parts.get(part, gettext("free in the next hours"))
    if kind == "day":
        parts = {
            "morning": gettext("free tomorrow morning"),
            "afternoon": gettext("free tomorrow afternoon"),
            "evening": gettext("free tomorrow evening"),
            "night": gettext("free tomorrow night"),
        }
        return parts.get(part, gettext("free in the next hours"))
    weekdays = (
        gettext("Monday"),
        gettext("Tuesday"),
        gettext("Wednesday"),
        gettext("Thursday"),
        gettext("Friday"),
        gettext("Saturday"),
        gettext("Sunday"),
    )
    parts = {
        "morning": gettext("morning"),
        "afternoon": gettext("afternoon"),
        "evening": gettext("evening"),
        "night": gettext("night"),
    }
    return gettext("free %(day)s %(part)s") % {
        "day": weekdays[day % 7],
        "part": parts.get(part, ""),
    }
