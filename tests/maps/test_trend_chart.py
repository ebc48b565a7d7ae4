"""The trend chart: the y axis, the points placed by hand, escaped labels, the empty case."""

from __future__ import annotations

import pandas as pd

from maps.style import TargetSpec
from maps.trend_chart import date_nb, share_floor, trend_box_html, trend_svg

TARGETS = [
    TargetSpec("no2025", 100, 10, "100 <Mbit/s>"),
    TargetSpec("gigabit2030", 1000, None, "1 Gbit/s"),
]
TREND = pd.DataFrame(
    {
        "run_id": ["r1", "r1", "r2", "r2"],
        "started_at": ["2026-11-01T03:00:00+00:00"] * 2 + ["2026-12-01T03:00:00+00:00"] * 2,
        "target": ["no2025", "gigabit2030"] * 2,
        "served_share": [0.5, 0.55, 1.0, 0.75],
    }
)


def test_dates_and_the_bottom_of_the_axis() -> None:
    assert date_nb("2026-12-01T03:00:00+00:00") == "01.12.2026"
    assert share_floor(pd.Series([0.83, 0.99])) == 0.8
    assert share_floor(pd.Series([1.0])) == 0.9
    assert share_floor(pd.Series([0.0])) == 0.0
    assert share_floor(pd.Series([None], dtype=float)) == 0.0


def test_points_lie_where_the_hand_says() -> None:
    svg = trend_svg(TREND, TARGETS, ["no2025", "gigabit2030"])
    # x: 38 (left margin) for the first run, 260 − 10 = 250 for the last; y: 8 at 100 %,
    # 130 − 22 = 108 at the bottom (50 %); 75 % halfway: 58
    assert '<circle cx="38.0" cy="108.0" r="3" fill="#0072B2" data-share="0.500000">' in svg
    assert '<circle cx="250.0" cy="8.0" r="3" fill="#0072B2" data-share="1.000000">' in svg
    assert '<circle cx="250.0" cy="58.0" r="3" fill="#000000"' in svg
    assert "100 &lt;Mbit/s&gt;, 01.11.2026: 50,0 %" in svg and "<Mbit/s>" not in svg
    assert ">01.11.2026</text>" in svg and ">01.12.2026</text>" in svg


def test_box_folds_and_says_when_there_is_nothing() -> None:
    box = trend_box_html(TREND, TARGETS, ["no2025", "gigabit2030"])
    assert box.startswith('<details class="gapmap-trend" open><summary>Utvikling over tid')
    assert "2 kjøringer" in box
    empty = trend_box_html(TREND.iloc[0:0], TARGETS, ["no2025"])
    assert "Ingen kjøringer å vise." in empty
