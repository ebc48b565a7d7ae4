"""pipeline/store.py hands the run's tables to DuckDB as Arrow columns (no pandas melt, no Python
object per row): the rows stored are the rows the pandas way stored, in the same order.

The reference is the store stage as it was (every frame through ``pa.Table.from_pandas``, the
classes melted in pandas), kept here; both write to their own store and every table is compared
row by row in insertion order."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely
from rich.console import Console

from pipeline import run as run_module
from pipeline import store
from pipeline.config import Config, Inputs, Target, load_config
from pipeline.executor import open_executor
from pipeline.ingest import Ingested, ingest
from pipeline.progress import NO_PROGRESS
from pipeline.timing import StageLog


def _append_pandas(
    connection: duckdb.DuckDBPyConnection, table: str, run_id: str, frame: pd.DataFrame
) -> None:
    staged = pa.Table.from_pandas(frame, preserve_index=False)
    connection.register("_staged", staged)
    connection.execute(
        f"INSERT INTO {table} BY NAME SELECT *, $run_id AS run_id FROM _staged",
        {"run_id": run_id},
    )
    connection.unregister("_staged")


def classes_long_melted(results: pd.DataFrame, config: Config) -> pd.DataFrame:
    """The pandas reference: the class, wireless and reason columns melted."""
    class_columns = [f"class_{t.name}" for t in config.targets]
    long = results[["address_id", *class_columns]].melt(
        id_vars="address_id", var_name="target", value_name="class"
    )
    long["target"] = long["target"].str.removeprefix("class_")
    wireless_columns = [f"wireless_{t.name}" for t in config.targets]
    long["wireless_reachable"] = results[wireless_columns].melt()["value"].to_numpy(dtype=bool)
    for column in ("reason", "reason_evidence"):
        names = [f"{column}_{t.name}" for t in config.targets]
        present = set(names) <= set(results.columns)
        values = results[names].melt()["value"].to_numpy(dtype=object) if present else None
        long[column] = pd.Series(values, index=long.index, dtype="string")
    return long


def store_run_pandas(
    connection: duckdb.DuckDBPyConnection,
    run_id: str,
    config: Config,
    inputs: Ingested,
    results: pd.DataFrame,
    masts: pd.DataFrame,
) -> None:
    """The store stage the pandas way (the reference)."""
    kommuner = inputs.kommuner
    frame = pd.DataFrame(
        {
            "kommunenummer": kommuner["kommunenummer"],
            "kommunenavn": kommuner["kommunenavn"],
            "fylkesnummer": kommuner["fylkesnummer"],
            "area_km2": kommuner.geometry.area / 1e6,
            "geometry_wkb": shapely.to_wkb(kommuner.geometry.to_numpy()),
        }
    )
    _append_pandas(connection, "kommuner", run_id, frame)
    _append_pandas(connection, "fylker", run_id, inputs.fylker)
    addresses = pd.DataFrame(inputs.addresses.drop(columns="geometry"))
    _append_pandas(connection, "addresses", run_id, addresses)
    _append_pandas(connection, "offers", run_id, inputs.offers.drop(columns="row_number"))
    columns = store.table_columns(connection, "address_results")
    _append_pandas(connection, "address_results", run_id, results[columns])
    _append_pandas(connection, "address_classes", run_id, classes_long_melted(results, config))
    targets = pd.DataFrame(
        {
            "target": [t.name for t in config.targets],
            "down_mbps": [t.down_mbps for t in config.targets],
            "up_mbps": [t.up_mbps for t in config.targets],
            "label_nb": [t.label_nb for t in config.targets],
        }
    )
    _append_pandas(connection, "targets", run_id, targets)
    _append_pandas(connection, "quarantine", run_id, inputs.quarantine)
    _append_pandas(connection, "layer_counts", run_id, inputs.counts)
    _append_pandas(connection, "new_sites", run_id, masts)


def stored_rows(connection: duckdb.DuckDBPyConnection) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in insertion order, with their column types."""
    tables = connection.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        " ORDER BY table_name"
    ).fetchall()
    rows: dict[str, list[tuple[Any, ...]]] = {}
    for (table,) in tables:
        rows[table] = connection.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
    return rows


def test_the_classes_of_every_target_are_stored_as_the_melt_stored_them(tmp_path: Path) -> None:
    targets = (Target("no2025", 100.0, 10.0), Target("gigabit2030", 1000.0), Target("x", 30.0))
    config = Config(inputs=Inputs(Path("k"), Path("a"), Path("o")), targets=targets)
    n = 6
    results = pd.DataFrame(
        {
            "address_id": np.arange(100, 100 + n, dtype="int64"),
            "class_no2025": pd.Categorical(["served", "unserved"] * 3),
            "class_gigabit2030": pd.array(["underserved"] * n, dtype="str"),
            "class_x": np.array(["served", None, "unserved"] * 2, dtype=object),
            "wireless_no2025": [False, True] * 3,
            "wireless_gigabit2030": np.ones(n, dtype=bool),
            "wireless_x": pd.array([True, False, None] * 2, dtype="boolean").fillna(False),
            "reason_no2025": np.array([None, "no_offer"] * 3, dtype=object),
            "reason_evidence_no2025": np.array([None, "Ingen tilbud på fil"] * 3, dtype=object),
            "reason_gigabit2030": pd.array(["copper_only", pd.NA] * 3, dtype="string"),
            "reason_evidence_gigabit2030": pd.array(["xDSL 40/5", None] * 3, dtype="str"),
            "reason_x": pd.Categorical([None, "fibre_distance"] * 3),
            "reason_evidence_x": pd.Categorical([None, "Nærmeste fiber 1 240 m"] * 3),
        }
    )
    without_reasons = results.drop(columns=[c for c in results if str(c).startswith("reason")])
    for frame, name in ((results, "with"), (without_reasons, "without")):
        with (
            store.open_store(tmp_path / f"arrow_{name}.duckdb") as arrow,
            store.open_store(tmp_path / f"pandas_{name}.duckdb") as melted,
        ):
            assert store.append(arrow, "address_classes", "r", store.classes_long(frame, config))
            _append_pandas(melted, "address_classes", "r", classes_long_melted(frame, config))
            expected = stored_rows(melted)["address_classes"]
            assert stored_rows(arrow)["address_classes"] == expected
            assert len(expected) == 3 * n
    with store.open_store(tmp_path / "arrow_with.duckdb") as arrow:
        first = arrow.execute("SELECT * FROM address_classes ORDER BY rowid LIMIT 2").fetchall()
    assert first == [
        ("r", 100, "no2025", "served", False, None, None),
        ("r", 101, "no2025", "unserved", True, "no_offer", "Ingen tilbud på fil"),
    ]


@pytest.fixture
def tiny_stages(tiny_region: Path) -> tuple[Config, Ingested, pd.DataFrame, pd.DataFrame]:
    """The tiny region through ingest … reasons: its config, inputs, results and masts."""
    config = load_config(tiny_region)
    timer = StageLog(Console(quiet=True))
    with open_executor(config.run) as pool:
        work = run_module.Work(timer, NO_PROGRESS, pool, None)
        inputs, results, _, masts, _ = run_module._address_stages(config, ingest(config), work)
    return config, inputs, results, masts


def test_store_run_stores_the_rows_the_pandas_way_stored(
    tiny_stages: tuple[Config, Ingested, pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    config, inputs, results, masts = tiny_stages
    with (
        store.open_store(tmp_path / "arrow.duckdb") as arrow,
        store.open_store(tmp_path / "pandas.duckdb") as melted,
    ):
        store.store_run(arrow, "r", config, inputs, results, masts)
        store_run_pandas(melted, "r", config, inputs, results, masts)
        expected, got = stored_rows(melted), stored_rows(arrow)
    assert got == expected
    assert len(expected["address_classes"]) == len(config.targets) * len(results) > 0
    assert len(expected["addresses"]) == 18 and len(expected["quarantine"]) > 0
