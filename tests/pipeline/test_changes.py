"""The changes stage's SQL on hand-made runs in a real DuckDB store: which run is compared, the
cause priority (an offer change in the direction of the class change, wireless reach, config,
code version, unexplained) and the config keys it names."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pandas as pd
import pytest

from pipeline import store
from pipeline.changes import (
    config_changes,
    counted_technologies,
    previous_run,
    write_address_changes,
)

TARGET = pd.DataFrame({"target": ["t100"], "down_mbps": [100.0], "up_mbps": [10.0]})
CONFIG = {"classify": {"count_mobile": False}, "wireless": {"count_as_served": True}}


@pytest.fixture
def connection() -> duckdb.DuckDBPyConnection:
    connection = duckdb.connect(":memory:")
    store.migrate(connection)
    return connection


def _offers(rows: Sequence[tuple[int, str, str, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        rows, columns=["address_id", "operator", "technology", "down_mbps", "up_mbps"]
    ).astype({"address_id": "int64"})


def _run(
    connection: duckdb.DuckDBPyConnection,
    run_id: str,
    classes: Mapping[int, str],
    offers: Sequence[tuple[int, str, str, float, float]] = (),
    wireless: Mapping[int, tuple[str, float, float]] | None = None,
    config: Mapping[str, Any] = CONFIG,
    code: str = "gapmap 1",
    targets: pd.DataFrame = TARGET,
) -> None:
    """A succeeded run ``run_id`` with one address per class in kommune 9901 (1 household
    each), its offers and wireless reach (site, down, up) per address."""
    store.begin_run(connection, run_id, "hash", config, {}, code)
    ids = list(classes)
    wireless = wireless or {}
    store.append(
        connection,
        "addresses",
        run_id,
        pd.DataFrame(
            {
                "address_id": ids,
                "kommunenummer": "9901",
                "kommunenavn": "Vestvik",
                "address_text": [f"Gate {i}" for i in ids],
                "households": 1,
                "x_m": 270_000.0,
                "y_m": 7_010_000.0,
            }
        ),
    )
    long = pd.DataFrame({"address_id": ids, "target": "t100", "class": list(classes.values())})
    store.append(connection, "address_classes", run_id, long)
    store.append(connection, "offers", run_id, _offers(offers))
    results = pd.DataFrame(
        {
            "address_id": ids,
            "los_site_id": [wireless.get(i, (None,))[0] for i in ids],
            "wireless_down_mbps": [wireless.get(i, (None, None))[1] for i in ids],
            "wireless_up_mbps": [wireless.get(i, (None, None, None))[2] for i in ids],
        }
    ).astype({"wireless_down_mbps": float, "wireless_up_mbps": float})
    store.append(connection, "address_results", run_id, results)
    store.append(connection, "targets", run_id, targets)
    store.finish_run(connection, run_id, "succeeded", None)


def _changes(connection: duckdb.DuckDBPyConnection, run_id: str) -> list[tuple[Any, ...]]:
    previous = previous_run(connection, run_id)
    assert previous is not None
    write_address_changes(connection, run_id, previous)
    return connection.execute(
        "SELECT address_id, change, cause, cause_nb FROM address_changes WHERE run_id = ?"
        " ORDER BY address_id",
        [run_id],
    ).fetchall()


def test_the_previous_run_is_the_latest_succeeded_one_of_the_same_target_set(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    _run(connection, "r1", {1: "served"})
    _run(connection, "r2", {1: "served"})
    other = TARGET.assign(down_mbps=1000.0)
    _run(connection, "r3", {1: "served"}, targets=other)  # another target set
    _run(connection, "r4", {1: "served"})
    connection.execute("UPDATE runs SET status = 'failed' WHERE run_id = 'r2'")
    previous = previous_run(connection, "r4")
    assert previous is not None and previous.run_id == "r1"
    assert previous_run(connection, "r1") is None


def test_the_offer_change_in_the_direction_of_the_class_change_is_the_cause(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    before = [
        (1, "A", "fiber", 1000, 1000),
        (1, "B", "xdsl", 40, 5),
        (1, "M", "mobile_5g", 500, 50),
    ]
    after = [(1, "C", "fwa", 50, 10)]  # A, B and M gone (M is mobile, not counted), C added
    _run(connection, "r1", {1: "served"}, before)
    _run(connection, "r2", {1: "underserved"}, after)
    assert _changes(connection, "r2") == [
        (1, "newly_below_target", "offer_removed", "Tilbud borte: A, fiber 1 000/1 000 Mbit/s")
    ]


def test_wireless_reach_explains_a_change_when_it_counts_as_served(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    _run(connection, "r1", {2: "unserved"}, wireless={})
    _run(connection, "r2", {2: "served"}, wireless={2: ("s2", 200.0, 50.0)})
    assert _changes(connection, "r2") == [
        (
            2,
            "newly_served",
            "wireless_reach_changed",
            "Trådløs rekkevidde endret fra ingen til s2 (200/50 Mbit/s)",
        )
    ]


def test_without_other_evidence_the_code_version_and_then_unexplained(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    costly = {**CONFIG, "cost": {"target": "t100"}}  # a key that cannot change a class
    _run(connection, "r1", {3: "underserved"})
    _run(connection, "r2", {3: "unserved"}, config=costly, code="gapmap 2")
    _run(connection, "r3", {3: "underserved"}, config=costly, code="gapmap 2")
    assert _changes(connection, "r2") == [
        (3, "class_changed", "code_changed", "Ny programversjon: gapmap 1 → gapmap 2")
    ]
    assert _changes(connection, "r3") == [
        (
            3,
            "class_changed",
            "unexplained",
            "Uforklart: ingen endring i tilbud, lister, husstander eller innstillinger funnet",
        )
    ]


def test_config_changes_name_the_class_relevant_keys_only() -> None:
    before = {
        "classify": {"count_mobile": False, "floor_down_mbps": 30.0, "map_target": "no2025"},
        "cost": {"fibre": {"trench_nok_per_m": 450.0}},
        "run": {"output_dir": "out"},
    }
    after = {
        "classify": {"count_mobile": True, "floor_down_mbps": 30.0, "map_target": "gigabit2030"},
        "cost": {"fibre": {"trench_nok_per_m": 520.0}},
        "run": {"output_dir": "elsewhere"},
        "coverage": {"trust_lacking_lists": False},
    }
    assert config_changes(before, after) == [
        "classify.count_mobile endret fra false til true",
        "coverage.trust_lacking_lists endret fra null til false",
    ]


def test_counted_technologies_follow_either_runs_policy() -> None:
    fixed = ["fiber", "hfc", "xdsl", "fwa"]
    assert counted_technologies([{}, {"classify": {"count_mobile": False}}]) == fixed
    both = [{"classify": {"count_mobile": True}}, {"classify": {"count_satellite": True}}]
    assert counted_technologies(both) == [*fixed, "mobile_5g", "mobile_4g", "satellite"]
