from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from layers.errors import RunError
from pipeline import store
from pipeline.aggregate import aggregate_run, gap_table
from pipeline.config import Target

TARGETS = (Target("no2025", 100, 10, "100/10"), Target("gigabit2030", 1000, None, "1G"))


def _fill(connection, run_id: str) -> None:
    store.append(
        connection,
        "kommuner",
        run_id,
        pd.DataFrame(
            {
                "kommunenummer": ["9901", "9902", "9801"],
                "kommunenavn": ["A", "B", "C"],
                "fylkesnummer": ["99", "99", "98"],
                "area_km2": [1.0, 1.0, 1.0],
            }
        ),
    )
    store.append(
        connection,
        "fylker",
        run_id,
        pd.DataFrame({"fylkesnummer": ["99"], "fylkesnavn": ["Prøvefylket"]}),
    )
    addresses = pd.DataFrame(
        {
            "address_id": [1, 2, 3, 4, 5],
            "kommunenummer": ["9901", "9901", "9901", "9902", "9902"],
            "households": [1, 4, 2, 1, 3],
        }
    )
    store.append(connection, "addresses", run_id, addresses)
    classes = {
        "no2025": ["served", "underserved", "unserved", "served", "unserved"],
        "gigabit2030": ["served", "unserved", "unserved", "underserved", "unserved"],
    }
    long = pd.concat(
        [
            pd.DataFrame({"address_id": addresses["address_id"], "target": t, "class": c})
            for t, c in classes.items()
        ]
    )
    store.append(connection, "address_classes", run_id, long)
    store.append(
        connection,
        "address_results",
        run_id,
        addresses.assign(
            cost_nok=[np.nan, 100_000.0, 50_000.0, 30_000.0, 90_000.0],
            route_capped=[False, False, True, False, False],
        ),
    )
    store.append(connection, "targets", run_id, pd.DataFrame({"target": [t.name for t in TARGETS]}))


@pytest.fixture
def connection(tmp_path: Path):
    with store.open_store(tmp_path / "s.duckdb") as connection:
        _fill(connection, "r1")
        _fill(connection, "r2")  # a second run must not leak into the first
        aggregate_run(connection, "r1", "gigabit2030")
        yield connection


def test_hand_checked_kommune_fylke_and_total_rows(connection) -> None:
    table = gap_table(connection, "r1", TARGETS).set_index("kommunenavn")
    assert table.loc["A", "households"] == 7
    assert table.loc[
        "A",
        ["served_households_no2025", "underserved_households_no2025", "unserved_households_no2025"],
    ].tolist() == [1, 4, 2]
    assert table.loc["A", "below_target_share_no2025"] == pytest.approx(6 / 7)
    assert (
        table.loc["A", "cost_nok"] == 150_000
        and table.loc["A", "households_below_cost_target"] == 6
    )
    assert table.loc["A", "cost_per_household_nok"] == pytest.approx(25_000)
    assert table.loc["C", "households"] == 0 and np.isnan(
        table.loc["C", "below_target_share_no2025"]
    )
    assert table.loc["Prøvefylket", "households"] == 11
    assert table.loc["Totalt", "cost_nok"] == 270_000
    assert table.loc["A", "routes_capped"] == 1


def test_levels_reconcile_for_every_target(connection) -> None:
    table = gap_table(connection, "r1", TARGETS)
    kommuner = table[table["level"] == "kommune"]
    total = table[table["level"] == "total"].iloc[0]
    for target in TARGETS:
        parts = [f"{c}_households_{target.name}" for c in ("served", "underserved", "unserved")]
        assert (table[parts].sum(axis=1) == table["households"]).all()
        for column in [*parts, "households", "cost_nok"]:
            assert kommuner[column].sum() == total[column]
            for fylke, rows in kommuner.groupby("fylkesnummer"):
                fylke_row = table[(table["level"] == "fylke") & (table["fylkesnummer"] == fylke)]
                assert rows[column].sum() == fylke_row[column].iloc[0]


def test_rows_come_kommune_then_fylke_total_last(connection) -> None:
    table = gap_table(connection, "r1", TARGETS)
    assert table["kommunenavn"].tolist() == ["C", "Fylke 98", "A", "B", "Prøvefylket", "Totalt"]


def test_discard_run_rows_keeps_other_runs(connection) -> None:
    store.discard_run_rows(connection, "r2")
    left = connection.execute("SELECT DISTINCT run_id FROM addresses").fetchall()
    assert left == [("r1",)]


def test_an_older_store_is_migrated_and_keeps_its_history(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with store.open_store(path) as connection:
        _fill(connection, "old")
        # what an older gapmap wrote: no wireless column, no fylker table
        connection.execute("ALTER TABLE gap_summary DROP COLUMN wireless_reachable_households")
        connection.execute("DROP TABLE fylker")
    with store.open_store(path) as connection:
        columns = [r[0] for r in connection.execute("DESCRIBE gap_summary").fetchall()]
        assert "wireless_reachable_households" in columns
        assert connection.execute("SELECT count(*) FROM fylker").fetchone() == (0,)
        assert connection.execute(
            "SELECT count(*) FROM addresses WHERE run_id = 'old'"
        ).fetchone() == (5,)
        _fill(connection, "new")
        aggregate_run(connection, "new", "gigabit2030")
        assert gap_table(connection, "new", TARGETS)["households"].iloc[-1] == 11


def test_a_column_of_another_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.duckdb"
    with store.open_store(path) as connection:
        connection.execute("ALTER TABLE runs ALTER COLUMN message TYPE INTEGER")
    expected = r"runs\.message has type INTEGER, expected VARCHAR"
    with pytest.raises(RunError, match=expected), store.open_store(path):
        pass


def test_cost_totals_are_exact_and_the_same_on_every_run(tmp_path: Path) -> None:
    """300,000 costs of every magnitude: a parallel double sum would differ in its last digits
    from run to run; the published total is the exact sum of the costs (to 1/100 øre)."""
    rng = np.random.default_rng(5)
    count = 300_000
    cost_nok = np.round(10 ** rng.uniform(2, 7, count), 4)
    exact = float(sum(Decimal(str(c)) for c in cost_nok.tolist()))
    frame = pd.DataFrame(
        {
            "address_id": np.arange(count),
            "kommunenummer": "9901",
            "households": 1,
            "cost_nok": cost_nok,
            "route_capped": False,
        }
    )
    totals = []
    with store.open_store(tmp_path / "s.duckdb") as connection:
        for run_id in ("a", "b", "c"):
            store.append(
                connection,
                "kommuner",
                run_id,
                pd.DataFrame({"kommunenummer": ["9901"], "fylkesnummer": ["99"]}),
            )
            store.append(connection, "address_results", run_id, frame)
            aggregate_run(connection, run_id, "gigabit2030")
            totals.append(
                connection.execute(
                    "SELECT cost_nok FROM cost_summary WHERE run_id = ? AND level = 'total'",
                    [run_id],
                ).fetchone()[0]
            )
    assert totals == [exact, exact, exact]
