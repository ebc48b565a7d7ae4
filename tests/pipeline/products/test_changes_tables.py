"""The changes as files (no formula reaches a spreadsheet) and as the maps' input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pipeline.changes import Changes, PreviousRun
from pipeline.changes_summary import SUMMARY_COLUMNS, TREND_COLUMNS
from pipeline.products.changes_tables import (
    CHANGES_COLUMNS,
    change_sources,
    changes_table,
    write_changes_tables,
)

ROWS = pd.DataFrame(
    {
        "previous_run_id": ["r1", "r1"],
        "address_id": [1018, 1016],
        "kommunenummer": ["9902", "9902"],
        "kommunenavn": ["Østby", "Østby"],
        "address_text": ['=HYPERLINK("http://x")', "Gate 7"],
        "x_m": [262_000.0, 262_100.0],
        "y_m": [6_650_000.0, 6_650_000.0],
        "target": ["no2025", "no2025"],
        "change": ["new_address", "address_gone"],
        "class_before": [None, "unserved"],
        "class_after": ["unserved", None],
        "households_before": [None, 2.0],
        "households_after": [1.0, None],
        "cause": ["address_added", "address_removed"],
        "cause_nb": ["Ny adresse i adresseregisteret", "Adressen er ikke lenger i …"],
    }
)


def _changes(rows: pd.DataFrame, previous: PreviousRun | None) -> Changes:
    summary = pd.DataFrame({c: [] for c in SUMMARY_COLUMNS})
    trend = pd.DataFrame({c: [] for c in TREND_COLUMNS})
    return Changes(previous, rows, summary, trend)


def test_changes_csv_has_the_contract_columns_and_no_formula(tmp_path: Path) -> None:
    written = write_changes_tables(tmp_path, _changes(ROWS, PreviousRun("r1", "t", {}, "v")))
    assert written == {
        "changes": "tables/changes.csv",
        "changes_summary": "tables/changes_summary.csv",
        "trend": "tables/trend.csv",
    }
    text = (tmp_path / "tables" / "changes.csv").read_text("utf-8").splitlines()
    assert text[0] == ",".join(CHANGES_COLUMNS)
    assert text[1].startswith('1018,9902,Østby,"\'=HYPERLINK(""http://x"")",no2025,new_address,,')
    assert ",unserved,,1,address_added," in text[1]  # whole households, empty where absent
    assert (tmp_path / "tables" / "trend.csv").read_text("utf-8").strip() == ",".join(TREND_COLUMNS)


def test_changes_table_keeps_whole_households() -> None:
    table = changes_table(ROWS)
    assert table["households_before"].tolist()[1] == 2
    assert str(table["households_after"].dtype) == "Int64"


def test_map_sources_carry_lon_lat_and_the_previous_run() -> None:
    sources = change_sources(_changes(ROWS, PreviousRun("r1", "2026-11-01T03:00:00+00:00", {}, "")))
    assert sources.previous_run_id == "r1"
    assert sources.rows["lon"].tolist()[0] == pytest.approx(10.6, abs=0.2)
    first = change_sources(_changes(ROWS.iloc[0:0], None))
    assert first.previous_started_at is None and {"lon", "lat"} <= set(first.rows.columns)
