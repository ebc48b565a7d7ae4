"""pipeline/aggregate.py: the gap table's kommune, fylke and total rows, by hand and reconciled;
the sums taken from the results in memory are the sums of the stored rows."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import store
from pipeline.aggregate import aggregate_run, aggregate_run_from_results, gap_table
from pipeline.aggregate_copper import NO_COPPER_SQL, no_copper_long, no_copper_sums
from pipeline.config import Config, Inputs, Target
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


# The gap and no-copper sums from the results in memory (the store stage's frame) against the
# same SQL over the stored long rows: row for row, type for type.

TARGETS = (Target("no2025", 100.0), Target("gigabit2030", 1000.0), Target("x", 30.0, 5.0))
CONFIG = Config(inputs=Inputs(Path("k"), Path("a"), Path("o")), targets=TARGETS)
CLASSES = np.array(["served", "underserved", "unserved", None], dtype=object)
KOMMUNER = pd.DataFrame(
    {
        "kommunenummer": ["0301", "3401", "3402", "5001", "9999"],  # 9999: no address
        "kommunenavn": ["Oslo", "A", "B", "C", "D"],
        "fylkesnummer": ["03", "34", "34", "50", "99"],
        "area_km2": [1.0] * 5,
    }
)


def _results(rng: np.random.Generator, n: int) -> pd.DataFrame:
    """``n`` addresses in four kommuner (and one the kommune table lacks), random classes with
    and without copper (some missing), reach, area status and households (some 0)."""
    columns: dict[str, object] = {
        "address_id": rng.permutation(np.arange(10 * n))[:n].astype("int64"),
        "kommunenummer": rng.choice(["0301", "3401", "3402", "5001", "7777"], n),
        "households": rng.integers(0, 5, n).astype("int64"),
        "area_status": rng.choice(np.array(["funded", "planned", "none", None], object), n),
        "cost_nok": np.where(rng.random(n) < 0.5, rng.random(n) * 1e6, np.nan),
        "route_capped": rng.random(n) < 0.1,
        "fwa_doubtful": rng.random(n) < 0.1,
    }
    for target in TARGETS:
        columns[f"class_{target.name}"] = pd.array(rng.choice(CLASSES, n), dtype="str")
        columns[f"class_no_copper_{target.name}"] = pd.Categorical(rng.choice(CLASSES[:3], n))
        columns[f"wireless_{target.name}"] = rng.random(n) < 0.3
    return pd.DataFrame(columns)


def _store(connection, run_id: str, results: pd.DataFrame, addresses: pd.DataFrame) -> None:  # type: ignore[no-untyped-def]
    """A run's rows as the store stage writes them: kommuner, addresses, results, the long
    class rows (with and without copper) and the targets."""
    store.append(connection, "kommuner", run_id, KOMMUNER)
    store.append(connection, "addresses", run_id, addresses)
    stored = ["address_id", "kommunenummer", "households", "area_status", "cost_nok"]
    stored += ["route_capped", "fwa_doubtful"]
    store.append(connection, "address_results", run_id, results[stored])
    store.append(connection, "address_classes", run_id, store.classes_long(results, CONFIG))
    no_copper = no_copper_long(results, TARGETS)
    store.append(connection, "address_classes_no_copper", run_id, no_copper)
    targets = pd.DataFrame({"target": [t.name for t in TARGETS], "down_mbps": [1.0] * 3})
    store.append(connection, "targets", run_id, targets)


def _rows(connection, table: str, run_id: str) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    rows = connection.execute(
        f"SELECT * EXCLUDE (run_id) FROM {table} WHERE run_id = ?", [run_id]
    ).fetchall()
    return sorted(rows, key=repr)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_gap_sums_from_the_results_are_the_sums_of_the_stored_rows(
    tmp_path: Path, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    results = _results(rng, 600)
    # the stored addresses: a few of the results' missing, one the results lack, a household
    # count that differs (the stored one counts)
    addresses = results[["address_id", "kommunenummer", "households"]].iloc[5:].copy()
    addresses.loc[addresses.index[0], "households"] = 40
    extra = pd.DataFrame({"address_id": [-1], "kommunenummer": ["0301"], "households": [7]})
    addresses = pd.concat([addresses, extra], ignore_index=True)
    with store.open_store(tmp_path / "s.duckdb") as connection:
        for run_id in ("stored", "memory", "other"):
            _store(connection, run_id, results, addresses)
        aggregate_run(connection, "stored", "gigabit2030")
        aggregate_run_from_results(connection, "memory", CONFIG, results)
        expected, got = (_rows(connection, "gap_summary", r) for r in ("stored", "memory"))
        assert got == expected
        assert len(got) == len(TARGETS) * (len(KOMMUNER) + 4 + 1)
        assert _rows(connection, "cost_summary", "memory") == _rows(
            connection, "cost_summary", "stored"
        )
        below = no_copper_sums(connection, "memory", results, TARGETS)
        reference = connection.execute(NO_COPPER_SQL, {"run_id": "stored"}).df()
    keys = ["level", "fylkesnummer", "kommunenummer", "target"]
    sort = {"by": keys, "ignore_index": True}
    pd.testing.assert_frame_equal(below.sort_values(**sort), reference.sort_values(**sort))
    assert below["below"].sum() > 0


def test_duplicate_address_ids_are_summed_from_the_stored_rows(tmp_path: Path) -> None:
    """With an address id twice, the stored long rows pair up in the join; the sums are
    those of the stored rows, as before."""
    results = _results(np.random.default_rng(4), 50)
    results.loc[1, "address_id"] = results.loc[0, "address_id"]
    addresses = results[["address_id", "kommunenummer", "households"]]
    with store.open_store(tmp_path / "s.duckdb") as connection:
        for run_id in ("stored", "memory"):
            _store(connection, run_id, results, addresses)
        aggregate_run(connection, "stored", "gigabit2030")
        aggregate_run_from_results(connection, "memory", CONFIG, results)
        assert _rows(connection, "gap_summary", "memory") == _rows(
            connection, "gap_summary", "stored"
        )
        below = no_copper_sums(connection, "memory", results, TARGETS)
        reference = connection.execute(NO_COPPER_SQL, {"run_id": "memory"}).df()
    # a GROUPING SETS query's rows come in no fixed order (DuckDB's threads): compare as sets
    sort = {"by": ["level", "fylkesnummer", "kommunenummer", "target"], "ignore_index": True}
    pd.testing.assert_frame_equal(below.sort_values(**sort), reference.sort_values(**sort))
