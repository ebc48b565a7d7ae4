"""pipeline/aggregate.py: the gap table's kommune, fylke and total rows, by hand and reconciled."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import store
from pipeline.aggregate import aggregate_run, gap_table
from tests.fixtures import HAND_RUN_TARGETS


def test_hand_checked_kommune_fylke_and_total_rows(hand_store) -> None:
    table = gap_table(hand_store, "r1", HAND_RUN_TARGETS).set_index("kommunenavn")
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


def test_levels_reconcile_for_every_target(hand_store) -> None:
    table = gap_table(hand_store, "r1", HAND_RUN_TARGETS)
    kommuner = table[table["level"] == "kommune"]
    total = table[table["level"] == "total"].iloc[0]
    for target in HAND_RUN_TARGETS:
        parts = [f"{c}_households_{target.name}" for c in ("served", "underserved", "unserved")]
        assert (table[parts].sum(axis=1) == table["households"]).all()
        for column in [*parts, "households", "cost_nok"]:
            assert kommuner[column].sum() == total[column]
            for fylke, rows in kommuner.groupby("fylkesnummer"):
                fylke_row = table[(table["level"] == "fylke") & (table["fylkesnummer"] == fylke)]
                assert rows[column].sum() == fylke_row[column].iloc[0]


def test_rows_come_kommune_then_fylke_total_last(hand_store) -> None:
    table = gap_table(hand_store, "r1", HAND_RUN_TARGETS)
    assert table["kommunenavn"].tolist() == ["C", "Fylke 98", "A", "B", "Prøvefylket", "Totalt"]


def test_cost_totals_are_exact_and_the_same_on_every_run(tmp_path: Path) -> None:
    """300,000 costs of every magnitude: a parallel double sum would differ in its last digits
    from run to run; the published total is the exact sum of the costs (to 10⁻¹⁰ kr)."""
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


def test_equal_shares_of_a_shared_edge_add_up_to_the_edge(tmp_path: Path) -> None:
    """An edge's cost split between three households is 33.333… kr each: rounded to the øre the
    shares would lose a third of an øre each, 1,000 kr over 300,000 of them; the exact decimal
    sum keeps the total to a hundredth of an øre."""
    count = 300_000
    frame = pd.DataFrame(
        {
            "address_id": np.arange(count),
            "kommunenummer": "9901",
            "households": 1,
            "cost_nok": np.full(count, 100.0 / 3.0),
            "route_capped": False,
        }
    )
    with store.open_store(tmp_path / "s.duckdb") as connection:
        store.append(
            connection,
            "kommuner",
            "a",
            pd.DataFrame({"kommunenummer": ["9901"], "fylkesnummer": ["99"]}),
        )
        store.append(connection, "address_results", "a", frame)
        aggregate_run(connection, "a", "gigabit2030")
        (total,) = connection.execute(
            "SELECT cost_nok FROM cost_summary WHERE run_id = 'a' AND level = 'total'"
        ).fetchone()
    assert total == pytest.approx(10_000_000.0, abs=1e-4)
