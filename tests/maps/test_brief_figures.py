"""maps/brief_figures.py: the brief's rows of Norwegian text, from hand-made table rows."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.numbers_nb import format_int_nb, format_percent_nb, format_timestamp_nb
from maps.brief_figures import (
    MINUS,
    change_rows,
    format_change_nb,
    format_date_nb,
    key_figure_rows,
    served_share,
    source_rows,
    subsidy_figures,
    top_reason_rows,
    trend_rows,
)
from maps.style import TargetSpec

NO2025 = TargetSpec("no2025", 100.0, 10.0, "100/10 Mbit/s (mål 2025)")
GIGABIT = TargetSpec("gigabit2030", 1000.0, None, "1 Gbit/s (mål 2030)")


def _row(households: int, served_2025: int, served_2030: int) -> dict[str, object]:
    return {
        "households": households,
        "served_households_no2025": served_2025,
        "underserved_households_no2025": 3,
        "unserved_households_no2025": households - served_2025 - 3,
        "served_households_gigabit2030": served_2030,
        "underserved_households_gigabit2030": 1,
        "unserved_households_gigabit2030": households - served_2030 - 1,
        "households_below_cost_target": households - served_2030,
        "cost_nok": 1_260_000.0,
        "cost_per_household_nok": 62_499.5,
        "subsidy_need_nok": 0.0,
    }


def test_key_figures_have_one_cell_per_level_and_a_dash_for_a_missing_level() -> None:
    rows = key_figure_rows([_row(40, 30, 20), None, _row(1000, 999, 500)], [NO2025], [GIGABIT])
    by_label = {row[0]: row[1:] for row in rows}
    assert by_label["Husstander"] == ["40", "–", "1 000"]
    assert by_label["Andel dekket, 100/10 Mbit/s (mål 2025)"] == ["75,0 %", "–", "99,9 %"]
    assert by_label["Udekket, 1 Gbit/s (mål 2030)"] == ["19", "–", "499"]
    assert by_label["Underdekket, 1 Gbit/s (mål 2030)"] == ["1", "–", "1"]
    assert by_label["Kostnad for å nå dem"][0] == "1,3 mill. kr"
    assert by_label["Kostnad per husstand"][0] == "62 500 kr"
    assert by_label["Støttebehov (prosjektområder)"][0] == "0,0 mill. kr"
    assert "Udekket, 100/10 Mbit/s (mål 2025)" not in by_label  # only the headline targets


def test_served_share_needs_households() -> None:
    assert served_share({"households": 8, "served_households_t": 2}, "t") == 0.25
    assert served_share({"households": 0, "served_households_t": 0}, "t") is None
    assert served_share(None, "t") is None


def test_dates_and_changes_in_norwegian() -> None:
    # 23:30 UTC on 31 December is 00:30 on 1 January in Oslo
    assert format_date_nb("2026-12-31T23:30:00+00:00") == "1. januar 2027"
    assert format_date_nb("2025-01-02T05:31:12") == "2. januar 2025"
    assert format_date_nb("not a date") == "not a date"
    assert format_date_nb(None) == "–"
    assert [format_change_nb(v) for v in (12, -1234, 0, 2.6)] == ["+12", f"{MINUS}1 234", "0", "+3"]


def _changes() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "level": ["kommune", "kommune", "kommune", "fylke"],
            "kommunenummer": ["5001", "5001", "5002", None],
            "target": ["no2025", "no2025", "no2025", "no2025"],
            "class": ["unserved", "served", "served", "served"],
            "households_before": [10, 90, 5, 95],
            "households_after": [7, 93, 5, 98],
            "households_change": [-3, 3, 0, 3],
            "previous_run_id": ["r0"] * 4,
            "previous_started_at": ["2026-11-01T10:00:00+00:00"] * 4,
        }
    )


def test_changes_in_class_order_for_the_kommune_only() -> None:
    lines, previous = change_rows(_changes(), "5001", [NO2025, GIGABIT])
    assert lines == [
        ["100/10 Mbit/s (mål 2025)", "Dekket", "90", "93", "+3"],
        ["100/10 Mbit/s (mål 2025)", "Udekket", "10", "7", f"{MINUS}3"],
    ]
    assert previous == "kjøring r0 (1. november 2026)"
    assert change_rows(_changes(), "9999", [NO2025]) == ([], None)
    assert change_rows(None, "5001", [NO2025]) == ([], None)


def test_top_reasons_largest_first_with_their_share_of_the_target() -> None:
    reasons = pd.DataFrame(
        {
            "level": ["kommune"] * 5,
            "kommunenummer": ["5001", "5001", "5001", "5001", "5002"],
            "target": ["no2025", "no2025", "no2025", "gigabit2030", "no2025"],
            "reason": ["b", "a", "c", "a", "a"],
            "reason_nb": ["B", "A", "C", "A30", "A2"],
            "households": [10, 10, 20, 99, 5],
        }
    )
    assert top_reason_rows(reasons, "5001", "no2025", top=2) == [
        ["C", "20", "50,0 %"],
        ["A", "10", "25,0 %"],  # a tie goes by the reason code
    ]
    assert top_reason_rows(None, "5001", "no2025") == []


def test_trend_oldest_first_the_last_runs_only() -> None:
    trend = pd.DataFrame(
        {
            "run_id": ["r3", "r1", "r2", "r3", "r1"],
            "started_at": ["2026-03-01", "2026-01-01", "2026-02-01", "2026-03-01", "2026-01-01"],
            "level": ["kommune"] * 5,
            "kommunenummer": ["5001"] * 5,
            "target": ["no2025", "no2025", "no2025", "gigabit2030", "gigabit2030"],
            "served_share": [0.9, 0.8, 0.85, 0.5, 0.4],
        }
    )
    assert trend_rows(trend, "5001", [NO2025, GIGABIT], last=2) == [
        ["1. februar 2026", "85,0 %", "–"],
        ["1. mars 2026", "90,0 %", "50,0 %"],
    ]
    assert trend_rows(trend, "5002", [NO2025]) == []


def test_runs_of_one_day_are_told_apart_by_their_time() -> None:
    trend = pd.DataFrame(
        {
            "run_id": ["r1", "r2"],
            "started_at": ["2026-12-07T09:05:00+00:00", "2026-12-07T14:30:00+00:00"],
            "level": ["kommune"] * 2,
            "kommunenummer": ["5001"] * 2,
            "target": ["no2025"] * 2,
            "served_share": [0.8, 0.85],
        }
    )
    assert trend_rows(trend, "5001", [NO2025]) == [  # Norwegian time, UTC+1 in December
        ["7. desember 2026 kl. 10.05", "80,0 %"],
        ["7. desember 2026 kl. 15.30", "85,0 %"],
    ]


def test_subsidy_need_of_the_kommunes_areas() -> None:
    areas = pd.DataFrame(
        {
            "kommunenummer": ["5001", "5001", "5001", "5002"],
            "households": [10, 30, 4, 100],
            "subsidy_need_nok": [1_000_000.0, 500_000.0, 0.0, 9e9],
        }
    )
    assert subsidy_figures(areas, "5001") == [
        ["Prosjektområder", "3"],
        ["Husstander i prosjektområdene", "44"],
        ["Husstander i områder med støttebehov", "40"],
        ["Støttebehov", "1,5 mill. kr"],
        ["Støttebehov per husstand (der det er behov)", "37 500 kr"],
    ]
    assert subsidy_figures(areas, "7777")[-1] == [
        "Støttebehov per husstand (der det er behov)",
        "–",
    ]
    assert subsidy_figures(None, "5001") == []


def test_sources_name_each_input_file_and_its_date() -> None:
    manifest = {
        "inputs": {
            "offers": {"path": "C:\\data\\dekning.csv", "modified": "2026-11-15T12:00:00+00:00"},
            "new_layer": {"path": "/x/y.gpkg", "modified": None},
        }
    }
    assert source_rows(manifest) == [
        ["Bredbåndstilbud per adresse", "dekning.csv", "fil datert 15. november 2026"],
        ["new_layer", "y.gpkg", "fil datert –"],
    ]
    assert source_rows({}) == []


def _top_reasons_pandas(reasons: pd.DataFrame, knr: str, target: str, top: int = 5) -> list:
    """top_reason_rows as it was written with pandas filters (the reference)."""
    mine = reasons[
        (reasons["level"] == "kommune")
        & (reasons["kommunenummer"] == knr)
        & (reasons["target"] == target)
    ]
    total = float(mine["households"].sum())
    ranked = mine.sort_values(["households", "reason"], ascending=[False, True]).head(top)
    return [
        [
            str(row["reason_nb"]),
            format_int_nb(row["households"]),
            format_percent_nb(float(row["households"]) / total if total > 0 else None),
        ]
        for _, row in ranked.iterrows()
    ]


def _trend_pandas(trend: pd.DataFrame, knr: str, headline: list, last: int = 6) -> list:
    """trend_rows as it was written with pivot_table (the reference)."""
    mine = trend[(trend["level"] == "kommune") & (trend["kommunenummer"] == knr)]
    if mine.empty:
        return []
    shares = mine.pivot_table(
        index=["started_at", "run_id"], columns="target", values="served_share", aggfunc="first"
    ).sort_index()
    shown = shares.tail(last)
    dates = [format_date_nb(key[0]) for key in shown.index]
    if len(set(dates)) < len(dates):  # runs of one day are told apart by their time
        dates = [format_timestamp_nb(key[0]) for key in shown.index]
    return [
        [date, *[format_percent_nb(row.get(t.name)) for t in headline]]
        for date, (_, row) in zip(dates, shown.iterrows(), strict=True)
    ]


LEVELS = st.sampled_from(["kommune", "kommune", "fylke", "total"])
KNR = st.sampled_from(["3420", "0301", "1101"])
TARGETS = st.sampled_from(["no2025", "gigabit2030", "eu_vhcn"])


@given(
    rows=st.lists(
        st.tuples(
            LEVELS,
            KNR,
            TARGETS,
            st.sampled_from(["no_offer", "copper_only", "fibre_distance", "below_floor", "x"]),
            st.one_of(st.integers(0, 40), st.just(7)),
        ),
        max_size=40,
        unique_by=lambda r: (r[0], r[1], r[2], r[3]),
    ),
    knr=KNR,
    target=TARGETS,
)
@settings(max_examples=150, deadline=None)
def test_top_reason_rows_equal_the_pandas_filter_and_sort(
    rows: list, knr: str, target: str
) -> None:
    reasons = pd.DataFrame(
        rows, columns=["level", "kommunenummer", "target", "reason", "households"]
    ).astype({"households": "int64"})
    reasons["reason_nb"] = "Årsak " + reasons["reason"]
    if reasons.empty:
        return
    assert top_reason_rows(reasons, knr, target) == _top_reasons_pandas(reasons, knr, target)


@given(
    rows=st.lists(
        st.tuples(
            LEVELS,
            KNR,
            st.sampled_from(["2026-10-01T02:00:00", "2026-11-01T02:00:00", "2026-12-01T02:00:00"]),
            st.sampled_from(["run-a", "run-b", "run-c"]),
            TARGETS,
            st.one_of(st.none(), st.floats(0, 1)),
        ),
        max_size=40,
    ),
    knr=KNR,
    last=st.integers(1, 4),
)
@settings(max_examples=150, deadline=None)
def test_trend_rows_equal_the_pivot_table(rows: list, knr: str, last: int) -> None:
    trend = pd.DataFrame(
        rows, columns=["level", "kommunenummer", "started_at", "run_id", "target", "served_share"]
    ).astype({"served_share": "float64"})
    headline = [TargetSpec("no2025", 100.0, None, "100"), TargetSpec("eu_vhcn", 1000, 200, "V")]
    if trend.empty:
        return
    assert trend_rows(trend, knr, headline, last) == _trend_pandas(trend, knr, headline, last)
