"""The metrics charts' axis: what a coordinator reads at the top of each chart."""

from mutualaid.workspace.charts import bar_chart


def test_near_zero_values_get_a_readable_axis_not_a_tiny_fraction():
    chart = bar_chart([0.004, None, 0.001], ["a", "b", "c"])
    assert chart.top == 1.0  # "1 h", not "0.005 h" (clipped on phones)
    assert all(b.height < 1 for b in chart.bars)  # the bars stay honest: near zero


def test_axis_top_is_a_round_number_above_the_tallest_bar():
    assert bar_chart([3.0, 7.0], ["a", "b"]).top == 10.0
    assert bar_chart([12.0], ["a"]).top == 20.0
    assert bar_chart([None, None], ["a", "b"]).top == 1.0


def test_a_share_chart_is_drawn_against_100_percent():
    chart = bar_chart([50.0, None], ["a", "b"], top=100.0)
    assert chart.top == 100.0
    full = bar_chart([100.0], ["a"], top=100.0).bars[0].height
    assert chart.bars[0].height == round(full / 2, 1)
