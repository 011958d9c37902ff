"""Bar charts drawn as SVG on the server (the CSP allows no scripts), sized for a 360 px
phone: a fixed 320 x 150 viewBox that scales uniformly, so the 10-unit labels stay legible.
Geometry only; templates/coordinate/_charts.html draws it."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 320, 150
LEFT, RIGHT, TOP, BOTTOM = 34, 6, 10, 22


@dataclass(frozen=True)
class Bar:
    x: float
    width: float
    y: float
    height: float
    part_y: float  # the highlighted part (e.g. unmatched) drawn from the bottom
    part_height: float
    label: str  # under the bar (may be "" to thin out crowded labels)
    value: float | None


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    top: float  # the value at the top of the axis
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    base: int = HEIGHT - BOTTOM
    plot_top: int = TOP


def _nice(value: float) -> float:
    """A round number >= value for the top of the axis (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1.0
    power = 1.0
    while power * 10 < value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def bar_chart(
    values: list[float | None],
    labels: list[str],
    parts: list[float] | None = None,
    *,
    top: float | None = None,
) -> BarChart:
    """One bar per value (None: no bar), ``parts`` drawn inside each bar from its base.
    ``top`` fixes the axis (100 for a share in %); otherwise it is a round number at least
    the tallest bar and at least 1, so near-zero values never label the axis "0.005"."""
    if top is None:
        top = _nice(max([v for v in values if v] + [1.0]))
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    base = HEIGHT - BOTTOM
    n = max(1, len(values))
    slot = plot_w / n
    every = 1 if n <= 8 else 2  # labels under every other bar when crowded
    bars = []
    for i, value in enumerate(values):
        h = (value or 0) / top * plot_h
        part = min(parts[i], value or 0) if parts else 0
        ph = part / top * plot_h
        bars.append(
            Bar(
                x=round(LEFT + i * slot + slot * 0.15, 1),
                width=round(slot * 0.7, 1),
                y=round(base - h, 1),
                height=round(h, 1),
                part_y=round(base - ph, 1),
                part_height=round(ph, 1),
                label=labels[i] if (n - 1 - i) % every == 0 else "",
                value=value,
            )
        )
    return BarChart(bars=bars, top=top)
