"""The summary per level and the trend over runs, from the gap_summary rows of two hand-made
runs (:func:`tests.fixtures.store_hand_run`) in a real DuckDB store."""

from __future__ import annotations

import duckdb
import pytest

from pipeline import store
from pipeline.aggregate import aggregate_run
from pipeline.changes_summary import SUMMARY_COLUMNS, TREND_COLUMNS, changes_summary, trend_table
from tests.fixtures import store_hand_run


@pytest.fixture
def connection() -> duckdb.DuckDBPyConnection:
    """Runs r1 (the hand run) and r2 (the same, but address 2 of kommune A, 4 households,
    served for no2025 instead of underserved), both aggregated; r2 still running."""
    connection = duckdb.connect(":memory:")
    store.migrate(connection)
    for run_id in ("r1", "r2"):
        store.begin_run(connection, run_id, "hash", {}, {}, "gapmap")
        store_hand_run(connection, run_id)
    connection.execute(
        "UPDATE address_classes SET class = 'served'"
        " WHERE run_id = 'r2' AND address_id = 2 AND target = 'no2025'"
    )
    for run_id in ("r1", "r2"):
        aggregate_run(connection, run_id, "gigabit2030")
    store.finish_run(connection, "r1", "succeeded", None)
    return connection


def test_summary_before_after_and_change_per_level(connection: duckdb.DuckDBPyConnection) -> None:
    summary = changes_summary(connection, "r2", ("r1", "2026-11-01T03:00:00+00:00"), ["no2025"])
    assert list(summary.columns) == list(SUMMARY_COLUMNS)
    no2025 = summary[summary["target"] == "no2025"]
    a = no2025[no2025["kommunenummer"] == "9901"].set_index("class")
    assert a[["households_before", "households_after", "households_change"]].values.tolist() == [
        [1, 5, 4],  # served: address 1, then 1 and 2
        [4, 0, -4],  # underserved: address 2
        [2, 2, 0],  # unserved: address 3
    ]
    assert set(a["kommunenavn"]) == {"A"}
    fylke = no2025[no2025["level"] == "fylke"]
    keys = fylke["fylkesnummer"] + fylke["class"]
    assert dict(zip(keys, fylke["households_change"], strict=True)) == {
        "98served": 0, "98underserved": 0, "98unserved": 0,
        "99served": 4, "99underserved": -4, "99unserved": 0,
    }  # fmt: skip
    assert set(fylke.loc[fylke["fylkesnummer"] == "99", "kommunenavn"]) == {"Prøvefylket"}
    assert set(fylke.loc[fylke["fylkesnummer"] == "98", "kommunenavn"]) == {"Fylke 98"}
    total = no2025[no2025["level"] == "total"]
    assert total["households_change"].tolist() == [4, -4, 0]
    assert set(summary["previous_run_id"]) == {"r1"}
    assert set(summary["previous_started_at"]) == {"2026-11-01T03:00:00+00:00"}
    assert len(summary) == (3 + 2 + 1) * 2 * 3  # (kommuner + fylker + total) × targets × classes


def test_no_previous_run_gives_an_empty_summary(connection: duckdb.DuckDBPyConnection) -> None:
    summary = changes_summary(connection, "r2", None, ["no2025"])
    assert summary.empty and list(summary.columns) == list(SUMMARY_COLUMNS)


def test_trend_has_every_succeeded_run_and_this_one(connection: duckdb.DuckDBPyConnection) -> None:
    store.begin_run(connection, "r0", "hash", {}, {}, "gapmap")  # a failed run is left out
    store.finish_run(connection, "r0", "failed", None)
    trend = trend_table(connection, "r2")
    assert list(trend.columns) == list(TREND_COLUMNS)
    assert trend["run_id"].drop_duplicates().tolist() == ["r1", "r2"]
    a = trend[(trend["kommunenummer"] == "9901") & (trend["target"] == "no2025")]
    assert a["served_share"].tolist() == pytest.approx([1 / 7, 5 / 7])
    empty = trend[(trend["kommunenummer"] == "9801") & (trend["target"] == "no2025")]
    assert empty["households"].tolist() == [0, 0] and empty["served_share"].isna().all()
    assert trend.loc[trend["level"] == "total", "kommunenavn"].unique().tolist() == ["Totalt"]
