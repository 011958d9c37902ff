"""config/coordinator.toml: the queue's age colours and page size, validated."""

import pytest

from mutualaid.workspace.queue import (
    CONFIG_PATH,
    AgeThresholds,
    QueueConfigError,
    parse_config,
    queue_config,
)


def test_shipped_file_loads_with_the_documented_thresholds():
    config = queue_config(CONFIG_PATH)
    assert (config.ages.fresh_hours, config.ages.orange_hours, config.ages.red_hours) == (
        24,
        72,
        120,
    )


@pytest.mark.parametrize(
    ("hours", "colour"),
    [(0, "green"), (23.9, "green"), (24, "yellow"), (72, "orange"), (120, "red")],
)
def test_colour_by_waiting_time(hours, colour):
    assert AgeThresholds(24, 72, 120).colour(hours) == colour


@pytest.mark.parametrize(
    "raw",
    [
        {"queue": {"fresh_hours": 80, "orange_hours": 72}},
        {"queue": {"red_hours": "soon"}},
        {"queue": {"per_page": 0}},
    ],
)
def test_bad_values_are_refused_with_the_file_named(raw):
    with pytest.raises(QueueConfigError, match=r"coordinator\.toml"):
        parse_config(raw)
