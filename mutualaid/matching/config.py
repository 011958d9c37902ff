"""Matching configuration: radii by urgency and escalation, availability horizons, weights.

Loaded once from ``config/matching.toml`` into a frozen :class:`MatchingConfig`. The pods
cascade uses :func:`search_radius_km` / :func:`escalation_radii` to widen a search.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from mutualaid.models.needs import URGENCIES
from mutualaid.settings import PROJECT_ROOT

CONFIG_PATH = PROJECT_ROOT / "config" / "matching.toml"
FACTORS = ("distance", "fairness", "freshness", "response", "language")


class MatchingConfigError(ValueError):
    """config/matching.toml is missing a value or has a bad one; the message names it."""


@dataclass(frozen=True)
class Weights:
    distance: float
    fairness: float
    freshness: float
    response: float
    language: float

    @property
    def total(self) -> float:
        return self.distance + self.fairness + self.freshness + self.response + self.language


@dataclass(frozen=True)
class MatchingConfig:
    # urgency -> tuple of km; step 0 is the default
    radius_steps_km: MappingProxyType[str, tuple[float, ...]]
    max_radius_km: float
    horizon_hours: MappingProxyType[str, float]  # "now"/"today" -> hours
    default_timezone: str
    weights: Weights
    freshness_half_life_days: float
    fairness_window_days: int
    fairness_mention_from: int
    response_window_days: int
    response_prior_accepts: float
    response_prior_total: float

    def radius_km(self, urgency: str, step: int = 0) -> float:
        """Search radius for a need of ``urgency`` at escalation ``step`` (0 = default)."""
        if urgency not in self.radius_steps_km:
            raise ValueError(f"unknown urgency {urgency!r}")
        if step < 0:
            raise ValueError("escalation step must be >= 0")
        steps = self.radius_steps_km[urgency]
        return steps[min(step, len(steps) - 1)]


def _num(section: dict[str, Any], key: str, where: str, lo: float = 0.0) -> float:
    value = section.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise MatchingConfigError(f"{where}.{key} must be a number")
    if value < lo:
        raise MatchingConfigError(f"{where}.{key} must be >= {lo}")
    return float(value)


def parse_config(raw: dict[str, Any]) -> MatchingConfig:
    """Validate a parsed TOML document into a :class:`MatchingConfig`."""
    try:
        radius, avail, weights = raw["radius"], raw["availability"], raw["weights"]
        fresh, fair, resp = raw["freshness"], raw["fairness"], raw["response"]
    except KeyError as exc:
        raise MatchingConfigError(f"matching config is missing the [{exc.args[0]}] table") from None
    max_km = _num(radius, "max_km", "radius", lo=0.1)
    steps_by_urgency: dict[str, tuple[float, ...]] = {}
    for urgency in URGENCIES:
        steps = radius.get("steps_km", {}).get(urgency)
        if not isinstance(steps, list) or not steps:
            raise MatchingConfigError(f"radius.steps_km.{urgency} must be a list of km")
        if any(isinstance(s, bool) or not isinstance(s, int | float) for s in steps):
            raise MatchingConfigError(f"radius.steps_km.{urgency} must hold numbers")
        steps = tuple(float(s) for s in steps)
        if steps[0] <= 0 or steps[-1] > max_km or list(steps) != sorted(steps):
            raise MatchingConfigError(
                f"radius.steps_km.{urgency} must widen step by step within (0, max_km]"
            )
        steps_by_urgency[urgency] = steps
    horizon = {
        u: _num(avail.get("horizon_hours", {}), u, "availability.horizon_hours", lo=0.25)
        for u in ("now", "today")
    }
    tz = avail.get("default_timezone")
    if not isinstance(tz, str) or not tz:
        raise MatchingConfigError("availability.default_timezone must be a time zone name")
    w = Weights(**{f: _num(weights, f, "weights") for f in FACTORS})
    if w.total <= 0:
        raise MatchingConfigError("weights must not all be zero")
    prior_total = _num(resp, "prior_total", "response", lo=0.1)
    prior_accepts = _num(resp, "prior_accepts", "response")
    if prior_accepts > prior_total:
        raise MatchingConfigError("response.prior_accepts must be <= response.prior_total")
    return MatchingConfig(
        radius_steps_km=MappingProxyType(steps_by_urgency),
        max_radius_km=max_km,
        horizon_hours=MappingProxyType(horizon),
        default_timezone=tz,
        weights=w,
        freshness_half_life_days=_num(fresh, "half_life_days", "freshness", lo=0.1),
        fairness_window_days=int(_num(fair, "window_days", "fairness", lo=1)),
        fairness_mention_from=int(_num(fair, "mention_from", "fairness", lo=1)),
        response_window_days=int(_num(resp, "window_days", "response", lo=1)),
        response_prior_accepts=prior_accepts,
        response_prior_total=prior_total,
    )


@lru_cache(maxsize=4)
def load_config(path: Path = CONFIG_PATH) -> MatchingConfig:
    """The matching config from ``path`` (cached; the file is read once per process)."""
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except FileNotFoundError:
        raise MatchingConfigError(f"matching config not found at {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise MatchingConfigError(f"{path}: {exc}") from None
    return parse_config(raw)


def search_radius_km(urgency: str, step: int = 0) -> float:
    """Default search radius (km) for ``urgency`` at escalation ``step``; 0 = first ask."""
    return load_config().radius_km(urgency, step)


def escalation_radii(urgency: str) -> tuple[float, ...]:
    """Every radius the cascade may use for ``urgency``, in order, starting with step 0."""
    steps = load_config().radius_steps_km.get(urgency)
    if steps is None:
        raise ValueError(f"unknown urgency {urgency!r}")
    return steps
