"""The trend chart: the y axis, the points placed by hand, escaped labels, the empty case; the
plain-list path agrees with the pandas one."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from maps.style import TargetSpec
from maps.trend_chart import (
    _pandas_runs_and_points,
    _plain_runs_and_points,
    date_nb,
    share_floor,
    trend_box_html,
    trend_svg,
)

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


def test_usual_rows_take_the_plain_path() -> None:
    assert _plain_runs_and_points(TREND, ["no2025", "gigabit2030"]) is not None
    tied = TREND.assign(started_at="2026-11-01T03:00:00+00:00")  # two runs, one start
    assert _plain_runs_and_points(tied, ["no2025"]) is None


_STARTS = ["2026-10-01T03:00:00+00:00", "2026-11-01T03:00:00+00:00", "2026-12-01T03:00:00+00:00"]


@st.composite
def _trend_rows(draw: st.DrawFn) -> pd.DataFrame:
    """Trend rows of up to four runs: starts that may tie, a run's rows that may disagree on
    its start, missing shares and repeated (run, target) rows."""
    runs = draw(st.integers(1, 4))
    start_of = [draw(st.sampled_from(_STARTS)) for _ in range(runs)]
    rows = draw(
        st.lists(
            st.tuples(
                st.integers(0, runs - 1),
                st.sampled_from(["no2025", "gigabit2030", "subsidy30"]),
                st.one_of(st.floats(0.0, 1.0), st.just(float("nan"))),
                st.one_of(st.none(), st.sampled_from(_STARTS)),  # None: the run's own start
            ),
            min_size=1,
            max_size=12,
        )
    )
    return pd.DataFrame(
        {
            "run_id": [f"r{run}" for run, _, _, _ in rows],
            "started_at": [at or start_of[run] for run, _, _, at in rows],
            "target": [target for _, target, _, _ in rows],
            "served_share": [share for _, _, share, _ in rows],
        }
    )


@settings(max_examples=300, deadline=None)
@given(_trend_rows())
def test_the_plain_path_gives_what_pandas_gives(rows: pd.DataFrame) -> None:
    shown = ["no2025", "gigabit2030"]
    plain = _plain_runs_and_points(rows, shown)
    if plain is not None:
        assert plain == _pandas_runs_and_points(rows, shown)
