"""Neighborhood simulation (issue 17): a simulated month of one neighborhood on the real
domain functions and the real database, with a fake clock and seeded behaviour.

Helpers post offers (``offers.post_offer``), pause and resume them; neighbors post needs
(``needs.post_need``, which forms the pod and sends the first round, as the web view does);
helpers answer invitations (``pods.seating.accept`` / ``decline``) after a random delay, or
never; some leave a group (``pods.lifecycle.leave``) or go quiet; requesters mark needs done
(``needs.resolve_from_pod``). The worker's periodic jobs run on the simulated tick
(``pods.cascade.expire_invitations`` every minute, ``needs.expire_due_needs`` every 5,
``pods.lifecycle.send_checkins`` and ``sweeps.freshen_offers`` every hour). One commit per
event, as a view or a job does. Texts stay in the outbox (nothing is sent).

What each helper would answer to each need is drawn in advance from the seed (their
"answer card"), so the figures can say, independently of the matcher, which needs some
helper in reach, in category, available, free (and willing) could have covered.

    .venv/bin/python benchmarks/pods_sim.py                          # SQLite, every scenario
    .venv/bin/python benchmarks/pods_sim.py --db postgres
    .venv/bin/python benchmarks/pods_sim.py --scenarios baseline --helpers 40 --needs 60 --days 7

The clock: domain functions get ``now=``; the places that read the clock themselves
(``mutualaid.models.base.utcnow``: column defaults such as ``Pod.created_at``, outbox caps,
``locations.apply_location``, the escalation's "has the need waited" check) are pointed at
the simulated clock in this process only, by replacing the ``datetime`` that ``utcnow``
calls (see :func:`simulated_clock`).
"""

from __future__ import annotations

import argparse
import bisect
import contextlib
import dataclasses
import heapq
import math
import os
import random
import statistics
import sys
import tempfile
import time
import tomllib
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Monday 2 February 2026, 00:00 in New York: no DST change within the simulated month.
START = datetime(2026, 2, 2, 5, 0, tzinfo=UTC)
TZ = ZoneInfo("America/New_York")

# North Brooklyn ZIP areas (centroids from the offline ``zipcodes`` package), weighted by
# how many neighbors the simulation puts in each.
ZIPS = (("11211", 5), ("11206", 4), ("11222", 3), ("11237", 3), ("11221", 3), ("11205", 2))
AREAS = (  # as mutualaid.demo: slug, name, lat, lng, radius km
    ("williamsburg", "Williamsburg", 40.7081, -73.9571, 2.5),
    ("greenpoint", "Greenpoint", 40.7304, -73.9515, 2.0),
    ("bushwick", "Bushwick", 40.6958, -73.9171, 2.5),
)

NEED_CATEGORIES = (
    ("groceries", 28),
    ("meals", 14),
    ("errands", 14),
    ("transport", 12),
    ("companionship", 9),
    ("other", 8),
    ("medical", 6),
    ("childcare", 5),
    ("housing", 4),
)
URGENCIES = (("now", 15), ("today", 40), ("week", 30), ("flexible", 15))
PEOPLE_NEEDED = ((1, 80), (2, 15), (3, 5))
# What helpers offer: most pick one of a few common sets; some pick at random.
OFFER_SETS = (
    (("groceries",), 14),
    (("errands", "groceries"), 14),
    (("groceries", "meals"), 8),
    (("transport",), 8),
    (("meals",), 7),
    (("errands",), 6),
    (("companionship",), 6),
    (("errands", "groceries", "transport"), 6),
    (("childcare",), 4),
    (("medical", "transport"), 4),
    (("companionship", "meals"), 4),
    (("errands", "other"), 3),
    (("housing",), 2),
    (None, 14),  # one to three categories at random
)
RADII_KM = ((1.0, 10), (2.0, 25), (3.0, 30), (5.0, 25), (8.0, 10))
CAPACITY = ((1, 60), (2, 30), (3, 10))
WEEKDAYS, WEEKEND = [0, 1, 2, 3, 4], [5, 6]
AVAILABILITY = (
    ({"any_time": True}, 40),
    ({"any_time": False, "windows": [{"days": WEEKDAYS, "start": "18:00", "end": "21:00"}]}, 20),
    ({"any_time": False, "windows": [{"days": WEEKEND, "start": "09:00", "end": "17:00"}]}, 15),
    ({"any_time": False, "windows": [{"days": WEEKDAYS, "start": "07:00", "end": "10:00"}]}, 8),
    ({"any_time": False, "windows": [{"days": [1, 3], "start": "12:00", "end": "15:00"}]}, 7),
    (
        {
            "any_time": False,
            "windows": [
                {"days": WEEKDAYS, "start": "17:00", "end": "22:00"},
                {"days": [5], "start": "10:00", "end": "14:00"},
            ],
        },
        10,
    ),
)
# Local hour of day a need is posted (weights for 0..23).
POST_HOURS = (1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 9, 9, 8, 8, 8, 8, 9, 9, 8, 6, 4, 3, 2)
# How long a full group takes before the requester marks the need done (hours).
TASK_HOURS = {"now": (1, 4), "today": (2, 10), "week": (12, 96), "flexible": (24, 168)}


def pick(rng: random.Random, weighted: tuple[tuple[Any, int], ...]) -> Any:
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights)[0]


# --------------------------------------------------------------------------- configuration
@dataclasses.dataclass(frozen=True)
class SimConfig:
    helpers: int = 300
    needs: int = 600
    days: float = 30.0
    seed: int = 17
    answer_mean_min: float = 20.0  # mean delay before a helper answers (exponential)
    p_accept: float = 0.55  # mean chance a helper says yes; the rest is split below
    decline_share: float = 0.5  # of the non-yes answers, this share declines, the rest ignore
    p_quiet: float = 0.10  # helpers who stop answering from a random moment on
    p_leave: float = 0.06  # seated helpers who leave the group before it is done
    p_pause: float = 0.10  # helpers who pause their offer for 1-5 days, then resume
    p_late: float = 0.10  # helpers who post their offer during the month, not before
    p_texts: float = 0.45  # helpers who get texts (a third of them phone-only)
    surge: tuple[float, float, float] | None = None  # (first day, last day, extra share)
    tick_minutes: int = 1  # the invitation cascade's period (the worker runs it every minute)
    drain_days: float = 3.0  # keep running after the last posting, then stop
    every_minute: bool = False  # run the jobs on every tick, even when nothing is due


SCENARIOS: dict[str, dict[str, Any]] = {
    "baseline": {},
    "busy week": {"surge": (7.0, 14.0, 0.5)},  # half as many needs again, all in week 2
    "few helpers": {"helpers_factor": 1 / 3},
    "slow answers": {"answer_mean_min": 90.0, "p_accept": 0.40},
}


def scenario_config(name: str, base: SimConfig) -> SimConfig:
    changes = dict(SCENARIOS[name])
    factor = changes.pop("helpers_factor", None)
    if factor is not None:
        changes["helpers"] = max(3, round(base.helpers * factor))
    return dataclasses.replace(base, **changes)


# --------------------------------------------------------------------------- the world
@dataclasses.dataclass
class HelperSpec:
    idx: int
    lat: float
    lng: float
    categories: tuple[str, ...]
    radius_km: float
    capacity: int
    availability: dict[str, Any]
    texts: str  # "none" | "notify" | "only"
    language: str
    post_at: datetime
    pause: tuple[datetime, datetime] | None
    quiet_from: datetime | None
    p_accept: float
    p_decline: float
    home: str = ""  # the ZIP area the helper lives in
    person_id: int = 0
    offer_id: int = 0
    weekly: tuple[tuple[int, int], ...] | None = None  # minute-of-week intervals; None any


@dataclasses.dataclass
class NeedSpec:
    idx: int
    at: datetime
    lat: float
    lng: float
    category: str
    urgency: str
    people: int
    requester: int  # index into the requester pool
    need_id: int = 0
    pod_id: int = 0
    expires_at: datetime | None = None


@dataclasses.dataclass
class World:
    helpers: list[HelperSpec]
    needs: list[NeedSpec]
    requesters: int
    centre: tuple[float, float]


def zip_centroids() -> dict[str, tuple[float, float]]:
    import zipcodes

    out = {}
    for code, _weight in ZIPS:
        row = zipcodes.matching(code)[0]
        out[code] = (float(row["lat"]), float(row["long"]))
    return out


def _near(rng: random.Random, centre: tuple[float, float]) -> tuple[float, float]:
    return centre[0] + rng.gauss(0, 0.006), centre[1] + rng.gauss(0, 0.008)  # ~0.7 km


def build_world(cfg: SimConfig) -> World:
    rng = random.Random(f"world:{cfg.seed}")
    zips = zip_centroids()
    where = tuple((zips[code], weight) for code, weight in ZIPS)
    month = timedelta(days=cfg.days)
    cats_all = [c for c, _w in NEED_CATEGORIES]
    helpers = []
    for i in range(cfg.helpers):
        home = pick(rng, tuple((code, w) for code, w in ZIPS))
        lat, lng = _near(rng, zips[home])
        cats = pick(rng, OFFER_SETS) or tuple(sorted(rng.sample(cats_all, rng.choice((1, 2, 3)))))
        late = rng.random() < cfg.p_late
        post_at = START + (rng.random() * month if late else -timedelta(hours=rng.uniform(1, 48)))
        pause = None
        if rng.random() < cfg.p_pause:
            p0 = max(START + rng.random() * month, post_at + timedelta(hours=1))
            pause = (p0, p0 + timedelta(days=rng.uniform(1, 5)))
        quiet = START + rng.random() * month if rng.random() < cfg.p_quiet else None
        accept = min(0.95, max(0.05, rng.gauss(cfg.p_accept, 0.15)))
        roll = rng.random()
        texts = "none" if roll >= cfg.p_texts else ("only" if roll < cfg.p_texts / 3 else "notify")
        helpers.append(
            HelperSpec(
                idx=i,
                lat=lat,
                lng=lng,
                categories=cats,
                radius_km=pick(rng, RADII_KM),
                capacity=pick(rng, CAPACITY),
                availability=pick(rng, AVAILABILITY),
                texts=texts,
                language="es" if rng.random() < 0.15 else "en",
                post_at=post_at,
                pause=pause,
                quiet_from=quiet,
                p_accept=accept,
                p_decline=(1 - accept) * cfg.decline_share,
                home=home,
            )
        )
        helpers[-1].weekly = weekly_intervals(helpers[-1].availability)
    total = cfg.needs
    times = []
    surge_n = round(total * cfg.surge[2]) if cfg.surge else 0
    for k in range(total + surge_n):
        if k < total:
            day = rng.uniform(0, cfg.days)
        else:
            assert cfg.surge is not None
            day = rng.uniform(cfg.surge[0], min(cfg.surge[1], cfg.days))
        local_day = (START.astimezone(TZ) + timedelta(days=int(day))).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        hour = rng.choices(range(24), POST_HOURS)[0]
        at = (local_day + timedelta(hours=hour, minutes=rng.uniform(0, 60))).astimezone(UTC)
        times.append(min(max(at, START), START + month))
    times.sort()
    requesters = max(5, round(len(times) * 0.6))
    needs = []
    for j, at in enumerate(times):
        lat, lng = _near(rng, pick(rng, where))
        needs.append(
            NeedSpec(
                idx=j,
                at=at,
                lat=lat,
                lng=lng,
                category=pick(rng, NEED_CATEGORIES),
                urgency=pick(rng, URGENCIES),
                people=pick(rng, PEOPLE_NEEDED),
                requester=rng.randrange(requesters),
            )
        )
    total_w = sum(w for _c, w in ZIPS)
    centre = (
        sum(zips[c][0] * w for c, w in ZIPS) / total_w,
        sum(zips[c][1] * w for c, w in ZIPS) / total_w,
    )
    return World(helpers, needs, requesters, centre)


# --------------------------------------------------------------------------- the oracle
# The simulation's own, independent view of who could help: no matcher code, only the
# policy numbers (radii, horizons) read from config/matching.toml.
def policy() -> tuple[dict[str, float], dict[str, float]]:
    raw = tomllib.loads((ROOT / "config" / "matching.toml").read_text())
    widest = {u: float(steps[-1]) for u, steps in raw["radius"]["steps_km"].items()}
    horizon = {u: float(h) for u, h in raw["availability"]["horizon_hours"].items()}
    return widest, horizon


def weekly_intervals(availability: dict[str, Any]) -> tuple[tuple[int, int], ...] | None:
    """Minute-of-week intervals [start, end) (Monday 00:00 local = 0); None is any time."""
    if availability.get("any_time"):
        return None
    out = []
    for w in availability["windows"]:
        h0, m0 = map(int, w["start"].split(":"))
        h1, m1 = map(int, w["end"].split(":"))
        for day in w["days"]:
            start, end = day * 1440 + h0 * 60 + m0, day * 1440 + h1 * 60 + m1
            if end <= start:
                end += 1440
            out.append((start, end))
    return tuple(out)


def minute_of_week(t: datetime) -> int:
    local = t.astimezone(TZ)
    return local.weekday() * 1440 + local.hour * 60 + local.minute


def fits(h: HelperSpec, urgency: str, t: datetime, horizon: dict[str, float]) -> bool:
    """Is the helper's schedule open within the need's horizon starting at ``t``?"""
    if h.weekly is None:
        return True
    if urgency not in horizon:
        return bool(h.weekly)  # week / flexible: any window in the week
    a = minute_of_week(t)
    b = a + horizon[urgency] * 60
    for start, end in h.weekly:
        for shift in (-10080, 0, 10080):
            if start + shift < b and end + shift > a:
                return True
    return False


@dataclasses.dataclass
class Ledger:
    """What happened, as the simulation saw it."""

    seats: dict[int, list[tuple[datetime, int]]] = dataclasses.field(
        default_factory=lambda: defaultdict(list)
    )  # helper idx -> [(time, seats held)]
    over_capacity: list[tuple[datetime, int, int, int]] = dataclasses.field(default_factory=list)
    first_helper: dict[int, datetime] = dataclasses.field(default_factory=dict)
    full_at: dict[int, datetime] = dataclasses.field(default_factory=dict)
    closed: dict[int, tuple[datetime, str]] = dataclasses.field(default_factory=dict)
    invitations: Counter[int] = dataclasses.field(default_factory=Counter)
    invited_pairs: Counter[tuple[int, int]] = dataclasses.field(default_factory=Counter)
    answers: Counter[str] = dataclasses.field(default_factory=Counter)
    flags: list[tuple[int, datetime, list[int]]] = dataclasses.field(default_factory=list)
    invited_after_deadline: int = 0
    leaves: int = 0
    events: int = 0
    ticks: int = 0

    def seats_at(self, helper: int, t: datetime) -> int:
        timeline = self.seats.get(helper)
        if not timeline:
            return 0
        k = bisect.bisect_right(timeline, (t, 10**9)) - 1
        return timeline[k][1] if k >= 0 else 0


def offer_active(h: HelperSpec, t: datetime) -> bool:
    if t < h.post_at:
        return False
    return not (h.pause and h.pause[0] <= t < h.pause[1])


# --------------------------------------------------------------------------- the clock
class _Clock:
    now: datetime = START


CLOCK = _Clock()


class _SimDateTime(datetime):
    @classmethod
    def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]
        return CLOCK.now.astimezone(tz) if tz is not None else CLOCK.now.replace(tzinfo=None)


@contextlib.contextmanager
def simulated_clock() -> Iterator[_Clock]:
    """``mutualaid.models.base.utcnow`` (and every column default that uses it) reads the
    simulated clock; nothing is sent: committed outbox rows are not handed to the
    dispatcher."""
    from mutualaid.models import base
    from mutualaid.sms import dispatcher

    real_datetime, real_dispatch = base.datetime, dispatcher.enqueue_dispatch
    base.datetime = _SimDateTime  # type: ignore[misc]
    dispatcher.enqueue_dispatch = lambda ids, bind=None: None
    try:
        yield CLOCK
    finally:
        base.datetime = real_datetime  # type: ignore[misc]
        dispatcher.enqueue_dispatch = real_dispatch


# --------------------------------------------------------------------------- the engine
class Simulation:
    def __init__(self, session: Any, world: World, cfg: SimConfig) -> None:
        self.s = session
        self.world = world
        self.cfg = cfg
        self.ledger = Ledger()
        self.widest, self.horizon = policy()
        self.events: list[tuple[datetime, int, str, tuple[Any, ...]]] = []
        self._seq = 0
        self.by_person: dict[int, HelperSpec] = {}
        self.need_by_pod: dict[int, NeedSpec] = {}
        self.need_by_id: dict[int, NeedSpec] = {}
        self.open_needs: dict[int, NeedSpec] = {}  # need id -> spec, while active
        self.flagged: set[int] = set()
        self.seats_now: dict[int, int] = {}
        self.requesters: list[Any] = []
        self.resolve_at: dict[int, datetime] = {}
        self.wrote = False
        # Static reach: helpers in category and within both radii of each need.
        from mutualaid.geo.distance import haversine_km

        self.reach: dict[int, list[HelperSpec]] = {}
        for n in world.needs:
            limit = self.widest[n.urgency]
            self.reach[n.idx] = [
                h
                for h in world.helpers
                if n.category in h.categories
                and haversine_km(n.lat, n.lng, h.lat, h.lng) <= min(limit, h.radius_km)
            ]

    # ---- plumbing
    def at(self, when: datetime, kind: str, *args: Any) -> None:
        self._seq += 1
        heapq.heappush(self.events, (when, self._seq, kind, args))

    def card(self, h: HelperSpec, n: NeedSpec, nth: int = 0) -> tuple[str, float]:
        """What ``h`` answers to ``n`` (fixed by the seed) and after how many minutes."""
        r = random.Random(f"card:{self.cfg.seed}:{h.idx}:{n.idx}")
        u = r.random()
        answer = (
            "accept"
            if u < h.p_accept
            else ("decline" if u < h.p_accept + h.p_decline else "ignore")
        )
        for _ in range(nth):
            r.random()
        return answer, r.expovariate(1 / self.cfg.answer_mean_min)

    def willing(self, h: HelperSpec, n: NeedSpec, t: datetime) -> bool:
        quiet = h.quiet_from is not None and t >= h.quiet_from
        return not quiet and self.card(h, n)[0] == "accept"

    # ---- setup
    def setup(self) -> None:
        from mutualaid.accounts import NewAccount, create_person
        from mutualaid.models import Area
        from mutualaid.models.people import CONSENT_OPTED_IN, SMS_PREF_NOTIFY, SMS_PREF_ONLY

        s = self.s
        tag = uuid.uuid4().hex[:6]
        CLOCK.now = START - timedelta(days=3)
        for slug, name, lat, lng, radius in AREAS:
            area = Area(
                slug=f"{slug}-{tag}", name=name, center_lat=lat, center_lng=lng, radius_km=radius
            )
            s.add(area)
            s.flush()
            coordinator = create_person(
                s, None, NewAccount(f"Coordinator {name}", f"coord-{slug}-{tag}@sim.test", None)
            )
            coordinator.role = "coordinator"
            area.coordinators.append(coordinator)
        for h in self.world.helpers:
            phone = f"+1347555{(int(tag, 16) + h.idx) % 10000:04d}"
            email = None if h.texts == "only" else f"helper{h.idx}-{tag}@sim.test"
            person = create_person(
                s,
                None,
                NewAccount(
                    f"Helper{h.idx} Sim",
                    email,
                    None,
                    phone=phone if h.texts != "none" else None,
                    language=h.language,
                ),
            )
            if h.texts != "none":
                person.sms_preference = SMS_PREF_ONLY if h.texts == "only" else SMS_PREF_NOTIFY
                person.sms_consent = CONSENT_OPTED_IN
                person.sms_consent_at = CLOCK.now
                person.phone_verified_at = CLOCK.now
            h.person_id = person.id
            self.by_person[person.id] = h
        for r in range(self.world.requesters):
            person = create_person(
                s, None, NewAccount(f"Neighbor{r} Sim", f"neighbor{r}-{tag}@sim.test", None)
            )
            self.requesters.append(person)
        s.commit()
        for h in self.world.helpers:
            self.at(h.post_at, "post_offer", h)
            if h.pause:
                self.at(h.pause[0], "pause", h)
                self.at(h.pause[1], "resume", h)
        for n in self.world.needs:
            self.at(n.at, "post_need", n)

    # ---- events
    def on_post_offer(self, h: HelperSpec) -> None:
        from mutualaid.geo.geocoding import Place
        from mutualaid.locations import found
        from mutualaid.models import Person
        from mutualaid.offers import OfferInput, post_offer

        text = f"{h.lat:.6f},{h.lng:.6f}"
        person = self.s.get(Person, h.person_id)
        offer = post_offer(
            self.s,
            person,
            OfferInput(list(h.categories), h.radius_km, h.availability, h.capacity),
            found(text, Place(h.lat, h.lng, text, "latlng")),
            now=CLOCK.now,
        )
        h.offer_id = offer.id

    def on_pause(self, h: HelperSpec) -> None:
        from mutualaid.models import Offer
        from mutualaid.offers import pause_offer

        pause_offer(self.s, self.s.get(Offer, h.offer_id), now=CLOCK.now)

    def on_resume(self, h: HelperSpec) -> None:
        from mutualaid.models import Offer
        from mutualaid.offers import resume_offer

        resume_offer(self.s, self.s.get(Offer, h.offer_id), now=CLOCK.now)

    def on_post_need(self, n: NeedSpec) -> None:
        from mutualaid.geo.geocoding import Place
        from mutualaid.locations import found
        from mutualaid.models import Pod
        from mutualaid.need_records import NeedInput
        from mutualaid.needs import post_need

        text = f"{n.lat:.6f},{n.lng:.6f}"
        need = post_need(
            self.s,
            self.requesters[n.requester],
            NeedInput(category=n.category, urgency=n.urgency, people_needed=n.people),
            found(text, Place(n.lat, n.lng, text, "latlng")),
            now=CLOCK.now,
        )
        n.need_id, n.expires_at = need.id, need.expires_at
        pod = self.s.query(Pod).filter_by(need_id=need.id).one_or_none()
        n.pod_id = pod.id if pod else 0
        self.need_by_id[need.id] = n
        if pod:
            self.need_by_pod[pod.id] = n
        self.open_needs[need.id] = n
        assert n.expires_at is not None
        self.at(n.expires_at + timedelta(hours=1), "lapse", n)

    def on_answer(self, h: HelperSpec, n: NeedSpec, answer: str) -> None:
        from mutualaid.models import Person, Pod
        from mutualaid.pods.seating import accept, decline

        pod, person = self.s.get(Pod, n.pod_id), self.s.get(Person, h.person_id)
        if answer == "accept":
            result = accept(self.s, pod, person, now=CLOCK.now)
            self.ledger.answers[f"yes: {result.reason}"] += 1
            if result.seated:
                self.ledger.first_helper.setdefault(n.idx, CLOCK.now)
                if random.Random(f"leave:{self.cfg.seed}:{h.idx}:{n.idx}").random() < (
                    self.cfg.p_leave
                ):
                    lo = TASK_HOURS[n.urgency][0]
                    after = timedelta(hours=random.Random(f"lv:{h.idx}:{n.idx}").uniform(0.1, lo))
                    self.at(CLOCK.now + after, "leave", h, n)
        else:
            declined = decline(self.s, pod, person, now=CLOCK.now)
            self.ledger.answers["no: declined" if declined else "no: too late"] += 1

    def on_leave(self, h: HelperSpec, n: NeedSpec) -> None:
        from mutualaid.models import Person, Pod
        from mutualaid.pods.formation import PodError
        from mutualaid.pods.lifecycle import leave

        try:
            leave(self.s, self.s.get(Pod, n.pod_id), self.s.get(Person, h.person_id), now=CLOCK.now)
            self.ledger.leaves += 1
        except PodError:
            self.s.rollback()  # the group closed or they were no longer seated

    def on_resolve(self, n: NeedSpec) -> None:
        from mutualaid.models import Need, Pod
        from mutualaid.needs import resolve_from_pod

        need = self.s.get(Need, n.need_id)
        if need is None or not need.is_active:
            return
        resolve_from_pod(self.s, self.s.get(Pod, n.pod_id), need.requester, now=CLOCK.now)

    def on_lapse(self, n: NeedSpec) -> None:
        """An hour past the need's deadline the requester settles it: done if someone came,
        else cancelled (the platform's own expiry only closes needs nobody is forming)."""
        from mutualaid.models import Need, Pod
        from mutualaid.needs import cancel_from_pod, resolve_from_pod

        need = self.s.get(Need, n.need_id)
        if need is None or not need.is_active:
            return
        pod = self.s.get(Pod, n.pod_id)
        if pod is None:
            return
        if pod.seats_taken > 0:
            resolve_from_pod(self.s, pod, need.requester, now=CLOCK.now)
        else:
            cancel_from_pod(self.s, pod, need.requester, now=CLOCK.now)

    # ---- periodic jobs, as mutualaid.jobs runs them
    def tick(self, minute: int) -> None:
        from mutualaid.needs import expire_due_needs
        from mutualaid.pods.cascade import expire_invitations
        from mutualaid.pods.lifecycle import send_checkins
        from mutualaid.sweeps import freshen_offers

        now, exact = CLOCK.now, self.cfg.every_minute
        jobs = []
        if minute % self.cfg.tick_minutes == 0 and (exact or self.due_cascade <= now):
            jobs.append(lambda: expire_invitations(self.s, now=now))
        if minute % 5 == 0 and (exact or self.due_expiry <= now):
            jobs.append(lambda: expire_due_needs(self.s, now=now))
        if minute % 60 == 7:
            jobs.append(lambda: send_checkins(self.s, now=now))
        if minute % 60 == 17:
            jobs.append(lambda: freshen_offers(self.s, now=now))
        for job in jobs:
            self.wrote = False
            job()
            self.s.commit()
            self.ledger.ticks += 1
            if self.wrote:
                self.observe()

    def next_due(self) -> None:
        """When the cascade and the need expiry next have work. The worker runs them every
        minute (every 5 for expiry); a run before this moment finds nothing due and writes
        nothing, so the loop skips those runs (``--every-minute`` runs them all)."""
        from sqlalchemy import exists, func, select

        from mutualaid.models import Membership, Need, Pod
        from mutualaid.pods.cascade import RETRY_EVERY

        s, now = self.s, CLOCK.now
        never = now + timedelta(days=3650)
        first_expiry = s.scalar(
            select(func.min(Membership.invite_expires_at)).where(Membership.status == "invited")
        )
        live = exists().where(
            Membership.pod_id == Pod.id,
            Membership.status == "invited",
            Membership.invite_expires_at > now,
        )
        idle = s.execute(
            select(func.count(), func.min(Pod.last_round_at)).where(Pod.status == "forming", ~live)
        ).one()
        never_tried = s.scalar(
            select(func.count()).where(Pod.status == "forming", Pod.last_round_at.is_(None), ~live)
        )
        if never_tried:
            retry = now
        elif idle[0]:
            retry = idle[1] + RETRY_EVERY
        else:
            retry = never
        self.due_cascade = min(first_expiry or never, retry)
        self.due_expiry = (
            s.scalar(select(func.min(Need.expires_at)).where(Need.status.in_(("open", "matching"))))
            or never
        )

    # ---- observation after each commit
    def observe(self) -> None:
        from sqlalchemy import func, select

        from mutualaid.models import Membership, Need, Pod

        s, now = self.s, CLOCK.now
        # 1. New invitations: invited in this step (the clock stands still within a step).
        rows = s.execute(
            select(Membership.person_id, Membership.pod_id).where(
                Membership.status == "invited",
                Membership.role == "helper",
                Membership.invited_at >= now,
            )
        ).all()
        for person_id, pod_id in rows:
            h, n = self.by_person.get(person_id), self.need_by_pod.get(pod_id)
            if h is None or n is None:
                continue
            nth = self.ledger.invited_pairs[(h.idx, n.idx)]
            self.ledger.invited_pairs[(h.idx, n.idx)] += 1
            if n.expires_at and now >= n.expires_at:
                self.ledger.invited_after_deadline += 1
            answer, delay = self.card(h, n, nth)
            if h.quiet_from is not None and now >= h.quiet_from:
                answer = "ignore"
            if answer != "ignore":
                self.at(now + timedelta(minutes=delay), "answer", h, n, answer)
        # 2. Seats held in forming or active groups, against each helper's capacity.
        held = dict(
            s.execute(
                select(Membership.person_id, func.count())
                .join(Pod, Pod.id == Membership.pod_id)
                .where(
                    Membership.role == "helper",
                    Membership.status == "accepted",
                    Pod.status.in_(("forming", "active")),
                )
                .group_by(Membership.person_id)
            ).all()
        )
        for person_id in set(held) | set(self.seats_now):
            count = held.get(person_id, 0)
            if count != self.seats_now.get(person_id, 0):
                h = self.by_person.get(person_id)
                if h is not None:
                    self.ledger.seats[h.idx].append((now, count))
                    if count > h.capacity and self.seats_now.get(person_id, 0) <= h.capacity:
                        self.ledger.over_capacity.append((now, h.idx, count, h.capacity))
            self.seats_now[person_id] = count
        self.seats_now = {p: c for p, c in self.seats_now.items() if c}
        self.next_due()
        # 3. The needs still open: full groups, closures, and "nobody left" flags.
        if not self.open_needs:
            return
        rows = s.execute(
            select(Need.id, Need.status, Need.unmatched_reason).where(
                Need.id.in_(list(self.open_needs))
            )
        ).all()
        for need_id, status, reason in rows:
            n = self.open_needs[need_id]
            if status == "active" and n.idx not in self.ledger.full_at:
                self.ledger.full_at[n.idx] = now
            if status == "active" and need_id not in self.resolve_at:
                lo, hi = TASK_HOURS[n.urgency]
                when = now + timedelta(hours=random.Random(f"task:{n.idx}").uniform(lo, hi))
                self.resolve_at[need_id] = when
                self.at(when, "resolve", n)
            if status in ("resolved", "cancelled", "expired"):
                full = n.idx in self.ledger.full_at
                label = {"resolved": "done (full)" if full else "done (partly)"}.get(status, status)
                if status == "cancelled":
                    label = "lapsed, nobody came"
                self.ledger.closed[n.idx] = (now, label)
                del self.open_needs[need_id]
                continue
            if reason and need_id not in self.flagged:
                self.flagged.add(need_id)
                self.ledger.flags.append((n.idx, now, self.coverable_now(n)))
            elif not reason:
                self.flagged.discard(need_id)

    def coverable_now(self, n: NeedSpec) -> list[int]:
        """Helpers the need could invite right now by the simulation's own reckoning: in
        reach and category, offer active, available within the horizon, a free seat, and
        not already asked for this need (those told "it's covered" may be asked again)."""
        from sqlalchemy import select

        from mutualaid.models import Membership

        asked = set(
            self.s.scalars(
                select(Membership.person_id).where(
                    Membership.pod_id == n.pod_id, Membership.status != "withdrawn"
                )
            )
        )
        now = CLOCK.now
        return [
            h.idx
            for h in self.reach[n.idx]
            if h.person_id not in asked
            and offer_active(h, now)
            and fits(h, n.urgency, now, self.horizon)
            and self.seats_now.get(h.person_id, 0) < h.capacity
        ]

    # ---- the loop
    def run(self) -> None:
        from sqlalchemy import event

        def mark(*_args: Any) -> None:
            self.wrote = True

        # db.session is a scoped session: listen on the Session it stands for.
        target = self.s.registry() if hasattr(self.s, "registry") else self.s
        event.listen(target, "after_flush", mark)
        try:
            self._loop()
        finally:
            event.remove(target, "after_flush", mark)

    def _loop(self) -> None:
        end_posts = START + timedelta(days=self.cfg.days)
        end = end_posts + timedelta(days=self.cfg.drain_days)
        self.end = end
        CLOCK.now = min(e[0] for e in self.events) if self.events else START
        self.due_cascade = self.due_expiry = START
        last_tick = START - timedelta(minutes=1)
        next_tick = START
        while True:
            next_event = self.events[0][0] if self.events else None
            if next_event is not None and next_event < next_tick:
                when, _seq, kind, args = heapq.heappop(self.events)
                if when > end:
                    continue
                CLOCK.now = max(CLOCK.now, when)
                getattr(self, f"on_{kind}")(*args)
                self.s.commit()
                self.ledger.events += 1
                self.observe()
                if CLOCK.now >= START:
                    next_tick = self.next_tick_after(last_tick)
                continue
            if next_tick > end:
                break
            CLOCK.now = last_tick = next_tick
            minute = int((next_tick - START).total_seconds() // 60)
            self.tick(minute)
            next_tick = self.next_tick_after(last_tick)

    def next_tick_after(self, last: datetime) -> datetime:
        """The next minute on which some periodic job has work (every minute when exact)."""
        step = timedelta(minutes=1)
        if self.cfg.every_minute:
            return last + step

        def boundary(due: datetime, every: int) -> datetime:
            minutes = max(1, math.ceil((due - START).total_seconds() / 60))
            minutes = math.ceil(minutes / every) * every
            t = START + timedelta(minutes=minutes)
            # Never before the clock: a run skipped before the last event had nothing due.
            while t <= last or t < CLOCK.now:
                t += timedelta(minutes=every)
            return t

        done = int((last - START).total_seconds() // 60)
        hour = done - done % 60
        hourly = START + timedelta(
            minutes=min(m for m in (hour + 7, hour + 17, hour + 67, hour + 77) if m > done)
        )
        while hourly < CLOCK.now:
            hourly += timedelta(minutes=10 if hourly.minute == START.minute + 7 else 50)
        candidates = [
            boundary(self.due_cascade, self.cfg.tick_minutes),
            boundary(self.due_expiry, 5),
            hourly,
        ]
        return min(candidates)


# --------------------------------------------------------------------------- the figures
def covered_by_oracle(sim: Simulation, n: NeedSpec, *, willing: bool) -> bool:
    """Could ``people`` distinct helpers have taken the need at some moment before its
    deadline (in reach, in category, offer active, available, a free seat; ``willing``: and
    their answer card says yes and they had not gone quiet)?"""
    led = sim.ledger
    deadline = min(n.expires_at or sim.end, sim.end)
    found = 0
    for h in sim.reach[n.idx]:
        moments = {n.at}
        moments.update(t for t, _c in led.seats.get(h.idx, ()) if n.at <= t < deadline)
        moments.update(t for t in (h.post_at, *(h.pause or ())) if n.at <= t < deadline)
        if h.weekly is not None and n.urgency in sim.horizon:
            t = n.at
            while t < deadline:
                moments.add(t)
                t += timedelta(minutes=10)
        for t in sorted(moments):
            if (
                offer_active(h, t)
                and fits(h, n.urgency, t, sim.horizon)
                and led.seats_at(h.idx, t) < h.capacity
                and (not willing or sim.willing(h, n, t))
            ):
                found += 1
                break
        if found >= n.people:
            return True
    return False


def placement(h: HelperSpec) -> tuple[str, ...]:
    """Helpers with the same placement are equally good for the same needs: same home ZIP
    area (the same distances, within ~1 km, to where needs come from), same categories, same
    weekly schedule, same language (the matcher prefers the requester's) and a travel radius
    on the same side of 3 km (so they reach about the same needs)."""
    schedule = "any time" if h.weekly is None else "windows " + str(sorted(h.weekly))[:24]
    radius = "radius >= 3 km" if h.radius_km >= 3 else "radius < 3 km"
    return (h.home, "+".join(h.categories), schedule, h.language, radius)


def ask_ratios(
    sim: Simulation, asked: dict[int, int]
) -> list[tuple[float, tuple[str, ...], list[int]]]:
    """For each placement with >= 3 helpers: the most-asked helper's invitations over the
    group's median, the placement, and the members' invitation counts."""
    groups: dict[tuple[str, ...], list[HelperSpec]] = defaultdict(list)
    for h in sim.world.helpers:
        groups[placement(h)].append(h)
    out = []
    for key, members in groups.items():
        if len(members) < 3:
            continue
        counts = sorted(asked[h.idx] for h in members)
        med = statistics.median(counts)
        ratio = counts[-1] / med if med else (math.inf if counts[-1] else 1.0)
        out.append((ratio, key, counts))
    out.sort(key=lambda r: r[0])
    return out


def figures(sim: Simulation) -> dict[str, Any]:
    from sqlalchemy import func, select

    from mutualaid.models import Notification, SmsMessage

    led, world, cfg = sim.ledger, sim.world, sim.cfg
    needs = world.needs
    full = {n.idx for n in needs if n.idx in led.full_at}
    coverable = {n.idx for n in needs if covered_by_oracle(sim, n, willing=False)}
    willing = {
        n.idx for n in needs if n.idx in coverable and covered_by_oracle(sim, n, willing=True)
    }

    def minutes(a: datetime, b: datetime) -> float:
        return (b - a).total_seconds() / 60

    def waits(pool: dict[int, datetime], urgency: str | None) -> list[float]:
        return [
            minutes(n.at, pool[n.idx])
            for n in needs
            if n.idx in pool and (urgency is None or n.urgency == urgency)
        ]

    invites = Counter(
        dict(
            sim.s.execute(
                select(Notification.person_id, func.count())
                .where(Notification.kind == "invitation")
                .group_by(Notification.person_id)
            ).all()
        )
    )
    asked = {h.idx: invites.get(h.person_id, 0) for h in world.helpers}
    ratios = ask_ratios(sim, asked)
    weeks = (cfg.days + cfg.drain_days) / 7
    texts = Counter(
        dict(
            sim.s.execute(
                select(SmsMessage.person_id, func.count())
                .where(SmsMessage.direction == "out", SmsMessage.status != "cancelled")
                .group_by(SmsMessage.person_id)
            ).all()
        )
    )
    cancelled = Counter(
        dict(
            sim.s.execute(
                select(SmsMessage.error_message, func.count())
                .where(SmsMessage.direction == "out", SmsMessage.status == "cancelled")
                .group_by(SmsMessage.error_message)
            ).all()
        )
    )
    texters = [h for h in world.helpers if h.texts != "none"]
    per_week = [texts.get(h.person_id, 0) / weeks for h in texters]
    notices = Counter(
        dict(
            sim.s.execute(
                select(Notification.person_id, func.count()).group_by(Notification.person_id)
            ).all()
        )
    )
    states = Counter(label for _t, label in led.closed.values())
    states["still open at the end"] = len(needs) - len(led.closed)
    return {
        "needs": len(needs),
        "helpers": len(world.helpers),
        "full": len(full),
        "coverable": len(coverable),
        "covered_of_coverable": len(full & coverable),
        "willing": len(willing),
        "covered_of_willing": len(full & willing),
        "uncovered_willing": sorted(willing - full),
        "first": {
            u: waits(led.first_helper, u) for u in (None, "now", "today", "week", "flexible")
        },
        "complete": {u: waits(led.full_at, u) for u in (None, "now", "today", "week", "flexible")},
        "by_urgency": {
            u: (
                sum(1 for n in needs if n.urgency == u),
                sum(1 for n in needs if n.urgency == u and n.idx in full),
            )
            for u in ("now", "today", "week", "flexible")
        },
        "asked": sorted(asked.values()),
        "ratios": ratios,
        "over_capacity": led.over_capacity,
        "texts_per_week": per_week,
        "texts_cancelled": cancelled,
        "notices_per_week": [notices.get(h.person_id, 0) / weeks for h in world.helpers],
        "flags": len(led.flags),
        "flags_while_coverable": [(i, t, c) for i, t, c in led.flags if c],
        "states": states,
        "answers": led.answers,
        "leaves": led.leaves,
        "invited_after_deadline": led.invited_after_deadline,
        "events": led.events,
        "ticks": led.ticks,
    }


def pct(values: list[float], p: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def share(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f} % ({a}/{b})" if b else "  n/a"


def targets(f: dict[str, Any], cfg: SimConfig) -> list[tuple[str, bool | None, str]]:
    """Each target: its name, met (None: not measurable in this run), the figure."""
    today = f["first"]["today"]
    willing = f["covered_of_willing"] / f["willing"] if f["willing"] else 1.0
    out = [
        ("coverable needs covered >= 98 %", willing >= 0.98, f"{100 * willing:.1f} %"),
        ("over capacity = 0", not f["over_capacity"], str(len(f["over_capacity"]))),
        (
            "most-asked <= 2x median among equally placed",
            f["ratios"][-1][0] <= 2.0 if f["ratios"] else None,
            f"{f['ratios'][-1][0]:.1f}x" if f["ratios"] else "no group of >= 3 equally placed",
        ),
        (
            "flagged unmatched while coverable = 0",
            not f["flags_while_coverable"],
            str(len(f["flags_while_coverable"])),
        ),
    ]
    if cfg.answer_mean_min <= 20:
        med = pct(today, 50)
        out.append(("median first helper, today needs < 30 min", med < 30, f"{med:.0f} min"))
    return out


def report(
    name: str,
    db: str,
    cfg: SimConfig,
    f: dict[str, Any],
    seconds: float,
    load: tuple[float, float],
) -> str:
    def row(label: str, value: str) -> str:
        return f"  {label:<46} {value}"

    lines = [
        f"== {name} on {db}: {f['helpers']} helpers, {f['needs']} needs, {cfg.days:g} days "
        f"(+{cfg.drain_days:g} drain), seed {cfg.seed}, answers after {cfg.answer_mean_min:g} "
        f"min on average, p(yes) {cfg.p_accept:g}; {f['events']} events, {f['ticks']} job "
        f"runs; {seconds:.0f} s wall, load average {load[0]:.2f}-{load[1]:.2f}",
        row("fully covered", share(f["full"], f["needs"])),
        row(
            "covered among coverable (reach, free)",
            share(f["covered_of_coverable"], f["coverable"]),
        ),
        row("covered among coverable and willing", share(f["covered_of_willing"], f["willing"])),
        row(
            "fully covered by urgency",
            ", ".join(
                f"{u} {share(b, a).split(' (')[0].strip()}" for u, (a, b) in f["by_urgency"].items()
            ),
        ),
    ]
    for label, key in (("first helper", "first"), ("complete group", "complete")):
        parts = []
        for u in (None, "now", "today", "week"):
            xs = f[key][u]
            parts.append(f"{u or 'all'} {pct(xs, 50):.0f}/{pct(xs, 90):.0f}")
        lines.append(row(f"time to {label} (min, median/p90)", ", ".join(parts)))
    asked = f["asked"]
    lines.append(
        row(
            "invitations per helper",
            f"median {pct(asked, 50):.0f}, p90 {pct(asked, 90):.0f}, max {max(asked, default=0)}",
        )
    )
    if f["ratios"]:
        worst, key, counts = f["ratios"][-1]
        ratios = [r for r, _k, _c in f["ratios"]]
        members = sum(len(c) for _r, _k, c in f["ratios"])
        lines.append(
            row(
                "most-asked / median, equally placed",
                f"worst {worst:.1f}x, p90 {pct(ratios, 90):.1f}x over {len(ratios)} groups of "
                f">= 3 ({members} helpers); worst: ZIP {', '.join(key)}: invitations {counts}",
            )
        )
    tw, nw = f["texts_per_week"], f["notices_per_week"]
    lines.append(
        row(
            "texts per texting helper per week",
            f"median {pct(tw, 50):.1f}, p90 {pct(tw, 90):.1f}, max {max(tw, default=0):.1f}"
            + (f"; not sent (caps): {dict(f['texts_cancelled'])}" if f["texts_cancelled"] else ""),
        )
    )
    lines.append(
        row(
            "web notices per helper per week",
            f"median {pct(nw, 50):.1f}, p90 {pct(nw, 90):.1f}, max {max(nw, default=0):.1f}",
        )
    )
    lines.append(row("over capacity (seats > capacity)", str(len(f["over_capacity"]))))
    lines.append(
        row(
            "flagged unmatched",
            f"{f['flags']}, of which while a coverable helper existed: "
            f"{len(f['flags_while_coverable'])}",
        )
    )
    lines.append(row("end states", str(dict(f["states"]))))
    lines.append(
        row(
            "answers",
            f"{dict(f['answers'])}; leaves {f['leaves']}; invitations after the need's "
            f"deadline {f['invited_after_deadline']}",
        )
    )
    for label, ok, value in targets(f, cfg):
        verdict = "n/a " if ok is None else ("PASS" if ok else "FAIL")
        lines.append(f"  {verdict}  {label}: {value}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- running it
def simulate(session: Any, cfg: SimConfig) -> tuple[Simulation, dict[str, Any]]:
    """Run the month in the current app context on ``session`` (committing as it goes)."""
    world = build_world(cfg)
    with simulated_clock():
        sim = Simulation(session, world, cfg)
        sim.setup()
        sim.run()
        return sim, figures(sim)


@contextlib.contextmanager
def database(kind: str) -> Iterator[str]:
    if kind == "postgres":
        from benchmarks._common import throwaway_postgres

        with throwaway_postgres(f"mutualaid_sim_{uuid.uuid4().hex[:4]}") as url:
            yield url
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/sim.db"


def run_scenario(kind: str, name: str, cfg: SimConfig) -> str:
    import logging

    from flask_migrate import upgrade

    from mutualaid import create_app
    from mutualaid.extensions import db

    logging.disable(logging.WARNING)
    with database(kind) as url:
        app = create_app(
            {
                "MUTUALAID_ENV": "testing",
                "DATABASE_URL": url,
                "QUEUE_URL": "memory://",
                "SMS_BACKEND": "console",
                "LOG_LEVEL": "WARNING",
            }
        )
        with app.app_context():
            upgrade()
            load0 = os.getloadavg()[0]
            t0 = time.perf_counter()
            _sim, f = simulate(db.session, cfg)
            seconds = time.perf_counter() - t0
            load1 = os.getloadavg()[0]
            db.session.remove()
            db.engine.dispose()
    return report(name, kind, cfg, f, seconds, (min(load0, load1), max(load0, load1)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument("--helpers", type=int, default=SimConfig.helpers)
    parser.add_argument("--needs", type=int, default=SimConfig.needs)
    parser.add_argument("--days", type=float, default=SimConfig.days)
    parser.add_argument("--seed", type=int, default=SimConfig.seed)
    parser.add_argument("--tick-minutes", type=int, default=SimConfig.tick_minutes)
    parser.add_argument("--every-minute", action="store_true", help="run every job run, due or not")
    args = parser.parse_args()
    base = SimConfig(
        helpers=args.helpers,
        needs=args.needs,
        days=args.days,
        seed=args.seed,
        tick_minutes=args.tick_minutes,
        every_minute=args.every_minute,
    )
    print(
        f"pods_sim: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the start; "
        f"database {args.db}",
        flush=True,
    )
    for name in [s.strip() for s in args.scenarios.split(",") if s.strip()]:
        print(run_scenario(args.db, name, scenario_config(name, base)), flush=True)


if __name__ == "__main__":
    main()
