"""A need's own record: its input and validation, short codes, and the status lifecycle with
the timestamps the metrics read. The lowest layer of needs: the pods domain builds on it,
and ``mutualaid.needs`` (posting, closing, the board) builds on both.

Lifecycle: open -> matching -> forming -> active -> resolved, or cancelled / expired from
any active status (expiry only while nobody is committed: open or matching). An expired or
cancelled need can be re-opened; it gets a fresh expiry and, if its code was taken
meanwhile, a new code.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mutualaid import categories
from mutualaid.i18n import _l
from mutualaid.models import Need, Pod
from mutualaid.models.base import utcnow
from mutualaid.models.needs import (
    ACTIVE_STATUSES,
    CONTACT_PREFERENCES,
    STATUS_ACTIVE,
    STATUS_CANCELLED,
    STATUS_EXPIRED,
    STATUS_FORMING,
    STATUS_MATCHING,
    STATUS_OPEN,
    STATUS_RESOLVED,
    URGENCIES,
)
from mutualaid.models.pods import POD_ACTIVE, POD_FORMING
from mutualaid.settings import DEFAULT_NEED_EXPIRY_HOURS
from mutualaid.sms.vocabulary import NOT_CODES

# No look-alikes: no 0/O/Q/D, 1/I/L, 2/Z, 5/S, 8/B, U/V (read aloud or typed on a phone).
CODE_ALPHABET = "ACEFGHJKMNPRTWXY34679"
CODE_TRIES_PER_LENGTH = 30
EXPIRABLE = (STATUS_OPEN, STATUS_MATCHING)
TRANSITIONS = {
    STATUS_OPEN: {
        STATUS_MATCHING,
        STATUS_FORMING,
        STATUS_RESOLVED,
        STATUS_CANCELLED,
        STATUS_EXPIRED,
    },
    STATUS_MATCHING: {
        STATUS_OPEN,
        STATUS_FORMING,
        STATUS_RESOLVED,
        STATUS_CANCELLED,
        STATUS_EXPIRED,
    },
    STATUS_FORMING: {
        STATUS_OPEN,
        STATUS_MATCHING,
        STATUS_ACTIVE,
        STATUS_RESOLVED,
        STATUS_CANCELLED,
    },
    # A helper leaving an active pod sends it back to forming; a dissolved pod, to open.
    STATUS_ACTIVE: {STATUS_OPEN, STATUS_FORMING, STATUS_RESOLVED, STATUS_CANCELLED},
    STATUS_RESOLVED: {STATUS_OPEN},
    STATUS_CANCELLED: {STATUS_OPEN},
    STATUS_EXPIRED: {STATUS_OPEN},
}

_rng = random.SystemRandom()


class NeedError(ValueError):
    """A rule about needs was broken; ``field`` says which input to point at."""

    def __init__(self, message: object, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


@dataclass
class NeedInput:
    category: str
    urgency: str = "today"
    people_needed: int | None = None  # None: the category's default
    details: str = ""
    contact_preference: str = "web"


def expiry_hours(
    setting: tuple[tuple[str, int], ...] = DEFAULT_NEED_EXPIRY_HOURS,
) -> dict[str, int]:
    return dict(setting)


def _validate(data: NeedInput, current: str | None = None) -> int:
    """People needed, or NeedError. ``current``: the need's own category, which stays
    allowed after an admin deactivated it."""
    if not (categories.is_offered(data.category) or (current and data.category == current)):
        raise NeedError(_l("Choose a category from the list."), "category")
    if data.urgency not in URGENCIES:
        raise NeedError(_l("Choose how soon you need help."), "urgency")
    if data.contact_preference not in CONTACT_PREFERENCES:
        raise NeedError(_l("Choose how we should reach you."), "contact_preference")
    people = data.people_needed or categories.default_people_needed(data.category)
    if not categories.MIN_PEOPLE <= people <= categories.MAX_PEOPLE:
        raise NeedError(
            _l(
                "People needed must be between %(min)d and %(max)d.",
                min=categories.MIN_PEOPLE,
                max=categories.MAX_PEOPLE,
            ),
            "people_needed",
        )
    if len(data.details or "") > 2000:
        raise NeedError(_l("Keep the details under 2000 characters."), "details")
    return people


def new_code(session: Session, rng: random.Random | None = None) -> str:
    """A 3-character code (4 when 3 is crowded) not used by an active need or an open pod,
    and not a common word ("WAY", "MAY"): texts read those as words, so "CANCEL WAY" would
    not find the need."""
    rng = rng or _rng  # looked up at call time (tests script the draws)
    for length in (3, 4):
        for _ in range(CODE_TRIES_PER_LENGTH):
            code = "".join(rng.choice(CODE_ALPHABET) for _ in range(length))
            if code.lower() not in NOT_CODES and not code_in_use(session, code):
                return code
    raise RuntimeError("no free need code after many tries")  # 21^4 codes: not reachable


def code_in_use(session: Session, code: str) -> bool:
    need = session.scalar(
        select(Need.id).where(Need.code == code, Need.status.in_(ACTIVE_STATUSES)).limit(1)
    )
    if need is not None:
        return True
    query = select(Pod.id).where(Pod.code == code, Pod.status.in_((POD_FORMING, POD_ACTIVE)))
    return session.scalar(query.limit(1)) is not None


def _store_with_unique_code(
    session: Session, need: Need, apply: Callable[[], None] = lambda: None
) -> None:
    """Flush ``need`` in a savepoint; if another transaction took the same code since we
    drew it (the partial unique index says so), draw again. A savepoint rollback expires or
    expunges the row, so ``apply`` re-applies the caller's changes before each attempt."""
    code = need.code
    for _ in range(5):
        try:
            with session.begin_nested():  # flushes earlier changes, then opens the savepoint
                apply()
                need.code = code
                session.add(need)
                session.flush()
            return
        except IntegrityError:
            if not code_in_use(session, code):
                raise  # some other constraint: not ours to hide
            code = new_code(session)
    raise RuntimeError("could not store a unique need code")


def find_active_by_code(session: Session, code: str) -> Need | None:
    return session.scalar(
        select(Need).where(
            func.upper(Need.code) == (code or "").strip().upper(),
            Need.status.in_(ACTIVE_STATUSES),
        )
    )


def set_status(session: Session, need: Need, status: str, now: datetime | None = None) -> Need:
    """Move a need along its lifecycle, recording the timestamps the metrics use."""
    if status not in TRANSITIONS.get(need.status, set()):
        raise NeedError(
            _l("A need that is %(old)s cannot become %(new)s.", old=need.status, new=status)
        )
    now = now or utcnow()
    need.status = status
    need.updated_at = now
    if status == STATUS_FORMING:
        record_first_invitation(session, need, now)  # forming: the first invitations are out
    elif status == STATUS_ACTIVE and need.pod_formed_at is None:
        need.pod_formed_at = now
    elif status == STATUS_RESOLVED:
        need.resolved_at = now
    elif status == STATUS_CANCELLED:
        need.cancelled_at = now
    elif status == STATUS_EXPIRED:
        need.expired_at = now
    session.flush()
    return need


def record_first_invitation(session: Session, need: Need, now: datetime | None = None) -> None:
    """The first invitation went out (the one place ``first_invited_at`` is set)."""
    if need.first_invited_at is None:
        need.first_invited_at = now or utcnow()
        session.flush()
