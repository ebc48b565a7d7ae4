"""pipeline/aggregate_copper.py: households below each target with copper switched off, per
kommune, fylke and in total, from a real DuckDB store and worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from pipeline.aggregate_copper import no_copper_long, with_no_copper
from pipeline.config import Target
from pipeline.store import append, open_store

TARGETS = (Target("no2025", 100.0, None, "100 Mbit/s"), Target("gigabit2030", 1000.0))

# address, kommune, households, class_no_copper_no2025, class_no_copper_gigabit2030
# (the classes of tests/pipeline/test_classify.py's copper frame: 2 and 4 lose their xDSL)
ROWS = [
    (1, "9901", 1, "served", "underserved"),
    (2, "9901", 3, "unserved", "unserved"),
    (3, "9902", 1, "underserved", "underserved"),
    (4, "9902", 2, "unserved", "unserved"),
    (5, "9902", 4, "unserved", "unserved"),
]


def _results() -> pd.DataFrame:
    return pd.DataFrame(
        ROWS,
        columns=[
            "address_id",
            "kommunenummer",
            "households",
            "class_no_copper_no2025",
            "class_no_copper_gigabit2030",
        ],
    )


def _gap_table() -> pd.DataFrame:
    """The keys of the gap table: kommuner 9901–9903 of fylke 99, the fylke, the total."""
    return pd.DataFrame(
        {
            "level": ["kommune", "kommune", "kommune", "fylke", "total"],
            "fylkesnummer": ["99", "99", "99", "99", None],
            "kommunenummer": ["9901", "9902", "9903", None, None],
            "households": [4, 7, 0, 11, 11],
        }
    )


def _store(connection, run_id: str) -> None:  # type: ignore[no-untyped-def]
    for number in ("9901", "9902", "9903"):
        connection.execute(
            "INSERT INTO kommuner (run_id, kommunenummer, kommunenavn, fylkesnummer)"
            " VALUES (?, ?, ?, '99')",
            [run_id, number, f"K{number}"],
        )
    for address_id, kommune, households, *_ in ROWS:
        connection.execute(
            "INSERT INTO addresses (run_id, address_id, kommunenummer, households)"
            " VALUES (?, ?, ?, ?)",
            [run_id, address_id, kommune, households],
        )
    for target in TARGETS:
        connection.execute(
            "INSERT INTO targets (run_id, target, down_mbps) VALUES (?, ?, ?)",
            [run_id, target.name, target.down_mbps],
        )


def test_no_copper_classes_go_long_one_row_per_address_and_target() -> None:
    long = no_copper_long(_results(), TARGETS).to_pandas()
    assert long["target"].tolist() == ["no2025"] * 5 + ["gigabit2030"] * 5
    assert long["class"].tolist()[:5] == [
        "served",
        "unserved",
        "underserved",
        "unserved",
        "unserved",
    ]


def test_hand_checked_households_below_target_without_copper(tmp_path: Path) -> None:
    with open_store(tmp_path / "s.duckdb") as connection:
        _store(connection, "r1")
        _store(connection, "r2")  # a second run must not leak into the first
        table = with_no_copper(_gap_table(), connection, "r1", _results(), TARGETS)
        stored = connection.execute(
            "SELECT count(*) FROM address_classes_no_copper WHERE run_id = 'r1'"
        ).fetchone()
    below = table.set_index(["level", "kommunenummer"], drop=False)
    no2025 = "below_target_households_no_copper_no2025"
    gigabit = "below_target_households_no_copper_gigabit2030"
    # no2025: 9901 address 2 (3 households); 9902 addresses 3, 4 and 5 (1 + 2 + 4); 9903 none
    assert table[no2025].tolist() == [3, 7, 0, 10, 10]
    # gigabit2030: address 1 too (1 + 3 in 9901)
    assert table[gigabit].tolist() == [4, 7, 0, 11, 11]
    assert below[no2025].dtype == "int64"
    assert stored == (10,)
    assert list(table.columns[-2:]) == [no2025, gigabit]


def _melted(results: pd.DataFrame) -> pd.DataFrame:
    """The pandas reference of :func:`no_copper_long`: the class columns melted."""
    columns = [f"class_no_copper_{t.name}" for t in TARGETS]
    long = results[["address_id", *columns]].melt(
        id_vars="address_id", var_name="target", value_name="class"
    )
    long["target"] = long["target"].str.removeprefix("class_no_copper_")
    return long


def test_the_arrow_rows_are_the_rows_the_melt_stored(tmp_path: Path) -> None:
    results = _results()
    first = f"class_no_copper_{TARGETS[0].name}"
    results[first] = pd.Categorical(results[first])  # a categorical class column goes as text
    with open_store(tmp_path / "s.duckdb") as connection:
        append(connection, "address_classes_no_copper", "arrow", no_copper_long(results, TARGETS))
        append(connection, "address_classes_no_copper", "melt", _melted(results))
        rows = {
            run: connection.execute(
                "SELECT address_id, target, class FROM address_classes_no_copper"
                " WHERE run_id = ? ORDER BY rowid",
                [run],
            ).fetchall()
            for run in ("arrow", "melt")
        }
    assert rows["arrow"] == rows["melt"]
    assert len(rows["arrow"]) == len(results) * len(TARGETS)
