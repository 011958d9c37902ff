"""Pod timings from config/pods.toml, read once."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from mutualaid.settings import PROJECT_ROOT

CONFIG_PATH = PROJECT_ROOT / "config" / "pods.toml"


@dataclass(frozen=True)
class PodConfig:
    over_invite_factor: float
    invite_ttl: dict[str, timedelta]
    checkin_after: timedelta

    def ttl_for(self, urgency: str) -> timedelta:
        return self.invite_ttl.get(urgency, self.invite_ttl["flexible"])


@lru_cache(maxsize=1)
def pod_config() -> PodConfig:
    raw = tomllib.loads(CONFIG_PATH.read_text())
    factor = float(raw.get("over_invite_factor", 2.0))
    if not 1.0 <= factor <= 10.0:
        raise ValueError(f"{CONFIG_PATH}: over_invite_factor must be between 1 and 10")
    ttl = {k: timedelta(minutes=int(v)) for k, v in raw["invite_ttl_minutes"].items()}
    for urgency in ("now", "today", "week", "flexible"):
        if urgency not in ttl:
            raise ValueError(f"{CONFIG_PATH}: invite_ttl_minutes.{urgency} is missing")
    return PodConfig(
        over_invite_factor=factor,
        invite_ttl=ttl,
        checkin_after=timedelta(hours=int(raw.get("checkin", {}).get("active_hours", 48))),
    )
