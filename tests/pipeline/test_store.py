"""pipeline/store.py: one DuckDB file keyed by run; older stores migrate, a run's rows go alone."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import shapely
from rich.console import Console

from layers.errors import RunError, StoreUnreadableError
from pipeline import run as run_module
from pipeline import store
from pipeline.aggregate import aggregate_run, gap_table
from pipeline.config import Config, Inputs, Target, load_config
from pipeline.corrections import NOTHING
from pipeline.executor import open_executor
from pipeline.ingest import Ingested, ingest
from pipeline.progress import NO_PROGRESS
from pipeline.timing import StageLog
from tests.fixtures import HAND_RUN_TARGETS, store_hand_run


def test_discard_run_rows_keeps_other_runs(hand_store) -> None:
    store.discard_run_rows(hand_store, "r2")
    left = hand_store.execute("SELECT DISTINCT run_id FROM addresses").fetchall()
    assert left == [("r1",)]


def test_an_older_store_is_migrated_and_keeps_its_history(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with store.open_store(path) as connection:
        store_hand_run(connection, "old")
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
        store_hand_run(connection, "new")
        aggregate_run(connection, "new", "gigabit2030")
        assert gap_table(connection, "new", HAND_RUN_TARGETS)["households"].iloc[-1] == 11


def test_a_column_of_another_type_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.duckdb"
    with store.open_store(path) as connection:
        connection.execute("ALTER TABLE runs ALTER COLUMN message TYPE INTEGER")
    expected = r"runs\.message has type INTEGER, expected VARCHAR"
    with pytest.raises(RunError, match=expected), store.open_store(path):
        pass


def _runs_at(connection, runs: list[tuple[str, str, str, str | None]]) -> None:
    """(run_id, status, started, finished) rows in ``runs``, with their times set by hand."""
    for run_id, status, started, finished in runs:
        store.begin_run(connection, run_id, f"hash-{run_id}", {}, {}, "gapmap test")
        if status != "running":
            store.finish_run(connection, run_id, status, f"out/runs/{run_id}", f"{status}!")
        connection.execute(
            "UPDATE runs SET started_at = ?, finished_at = ? WHERE run_id = ?",
            [
                datetime.fromisoformat(started),
                finished and datetime.fromisoformat(finished),
                run_id,
            ],
        )


def test_recent_runs_are_the_last_ones_newest_first_with_their_duration(tmp_path: Path) -> None:
    with store.open_store(tmp_path / "s.duckdb") as connection:
        _runs_at(
            connection,
            [
                ("jan", "succeeded", "2025-01-05 02:00:00", "2025-01-05 02:10:30"),
                ("mar", "running", "2025-03-05 02:00:00", None),
                ("feb", "failed", "2025-02-05 02:00:00", "2025-02-05 02:00:45"),
            ],
        )
        runs = store.recent_runs(connection, last=2)
    assert runs == [
        ("mar", "running", datetime(2025, 3, 5, 2), None, "hash-mar", None, None),
        (
            "feb",
            "failed",
            datetime(2025, 2, 5, 2),
            timedelta(seconds=45),
            "hash-feb",
            "out/runs/feb",
            "failed!",
        ),
    ]


def test_the_latest_succeeded_run_skips_failed_and_running_ones(tmp_path: Path) -> None:
    with store.open_store(tmp_path / "s.duckdb") as connection:
        _runs_at(
            connection,
            [
                ("jan", "succeeded", "2025-01-05 02:00:00", "2025-01-05 02:10:30"),
                ("feb", "succeeded", "2025-02-05 02:00:00", "2025-02-05 02:09:00"),
                ("mar", "failed", "2025-03-05 02:00:00", "2025-03-05 02:00:45"),
                ("apr", "running", "2025-04-05 02:00:00", None),
            ],
        )
        assert store.latest_succeeded_run(connection, tmp_path / "s.duckdb") == "feb"


def test_a_store_without_a_succeeded_run_says_so(tmp_path: Path) -> None:
    path = tmp_path / "s.duckdb"
    with store.open_store(path) as connection:
        _runs_at(connection, [("jan", "failed", "2025-01-05 02:00:00", "2025-01-05 02:01:00")])
        with pytest.raises(RunError, match=r"s\.duckdb: no succeeded run; expected one"):
            store.latest_succeeded_run(connection, path)


def test_runs_a_killed_process_left_running_are_aborted_or_recorded_published(
    tmp_path: Path,
) -> None:
    with store.open_store(tmp_path / "s.duckdb") as connection:
        _runs_at(
            connection,
            [
                ("jan", "succeeded", "2025-01-05 02:00:00", "2025-01-05 02:10:30"),
                ("feb", "running", "2025-02-05 02:00:00", None),  # died mid-run
                ("mar", "running", "2025-03-05 02:00:00", None),  # died after publishing
            ],
        )
        store_hand_run(connection, "feb")
        aborted = store.abort_dead_runs(connection, tmp_path / "out" / "runs" / "mar", "apr")
        statuses = dict(connection.execute("SELECT run_id, status FROM runs").fetchall())
        (feb_rows,) = connection.execute(
            "SELECT count(*) FROM addresses WHERE run_id = 'feb'"
        ).fetchone()
        (message,) = connection.execute("SELECT message FROM runs WHERE run_id = 'feb'").fetchone()
        newest_first = store.succeeded_runs(connection)
    assert aborted == ["feb"]
    assert statuses == {"jan": "succeeded", "feb": "aborted", "mar": "succeeded"}
    assert feb_rows == 0
    assert "found by run apr" in message
    assert newest_first == ["mar", "jan"]


def test_a_store_that_is_not_duckdb_or_is_held_says_so_in_one_line(tmp_path: Path) -> None:
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(StoreUnreadableError, match="cannot be opened as a gapmap store"):
        store.connect(junk)
    with pytest.raises(RunError, match="no store yet"), store.read_store(tmp_path / "none"):
        pass


def test_a_store_from_before_the_reasons_gets_their_columns_and_keeps_its_rows(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.duckdb"
    with store.open_store(path) as connection:
        store_hand_run(connection, "old")
        for column in ("reason", "reason_evidence"):  # what gapmap wrote before the reasons
            connection.execute(f"ALTER TABLE address_classes DROP COLUMN {column}")
    with store.open_store(path) as connection:
        rows = connection.execute(
            "SELECT count(*), count(reason), count(reason_evidence) FROM address_classes"
        ).fetchone()
        assert rows == (10, 0, 0)


def test_classes_long_carries_each_targets_reason_and_evidence() -> None:
    targets = (Target("no2025", 100.0, 10.0), Target("gigabit2030", 1000.0))
    config = Config(inputs=Inputs(Path("k"), Path("a"), Path("o")), targets=targets)
    results = pd.DataFrame(
        {
            "address_id": [7, 8],
            "class_no2025": ["served", "unserved"],
            "class_gigabit2030": ["underserved", "unserved"],
            "wireless_no2025": [False, False],
            "wireless_gigabit2030": [True, False],
            "reason_no2025": [None, "no_offer"],
            "reason_evidence_no2025": [None, "Ingen tilbud på fil"],
            "reason_gigabit2030": ["fibre_distance", "no_offer"],
            "reason_evidence_gigabit2030": ["Nærmeste fiber 1 240 m unna", "Ingen tilbud på fil"],
        }
    )
    long = store.classes_long(results, config).to_pandas()
    rows = [tuple(None if pd.isna(v) else v for v in r) for r in long.astype(object).to_numpy()]
    assert rows == [
        (7, "no2025", "served", False, None, None),
        (8, "no2025", "unserved", False, "no_offer", "Ingen tilbud på fil"),
        (7, "gigabit2030", "underserved", True, "fibre_distance", "Nærmeste fiber 1 240 m unna"),
        (8, "gigabit2030", "unserved", False, "no_offer", "Ingen tilbud på fil"),
    ]
    before_reasons = results.drop(columns=[c for c in results if c.startswith("reason")])
    without = store.classes_long(before_reasons, config).to_pandas()
    assert without["reason"].isna().all() and without["reason_evidence"].isna().all()


def test_a_store_connection_draws_no_progress_bar_of_its_own(tmp_path: Path) -> None:
    """gapmap shows its own progress; DuckDB's bar would put control characters in a log."""
    from pipeline.store import connect

    connection = connect(tmp_path / "gapmap.duckdb")
    setting = connection.execute("SELECT current_setting('enable_progress_bar')").fetchone()
    assert setting == (False,)


# The store hands the run's tables to DuckDB as Arrow columns (no pandas melt, no Python object
# per row): the rows stored are the rows the pandas way stored, in the same order. The reference
# is the store stage as it was (every frame through ``pa.Table.from_pandas``, the classes melted
# in pandas), kept here; both write to their own store and every table is compared row by row.


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
        inputs, results, _, masts, _ = run_module._address_stages(
            config, ingest(config), work, NOTHING
        )
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


def test_a_frame_of_several_batches_is_stored_whole_in_its_order_on_two_threads(
    tmp_path: Path,
) -> None:
    """:func:`store.append` hands DuckDB row-group batches, which it writes on every thread:
    the rows stored are the frame's, in its order, as one batch stored them."""
    rng = np.random.default_rng(7)
    n = 2 * store.BATCH_ROWS + 1_234
    frame = pd.DataFrame(
        {
            "address_id": rng.permutation(n).astype("int64"),
            "kommunenummer": pd.array(rng.choice(["0301", "3401", None], n), dtype="str"),
            "households": rng.integers(0, 9, n),
        }
    )
    with store.open_store(tmp_path / "s.duckdb") as connection:
        connection.execute("SET threads = 2")
        assert store.append(connection, "addresses", "batched", frame) == n
        one_batch = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
        connection.register("_one", one_batch)
        connection.execute("INSERT INTO addresses BY NAME SELECT *, 'whole' AS run_id FROM _one")
        rows = {
            run: connection.execute(
                "SELECT address_id, kommunenummer, households FROM addresses"
                " WHERE run_id = ? ORDER BY rowid",
                [run],
            ).fetchall()
            for run in ("batched", "whole")
        }
    assert rows["batched"] == rows["whole"]
    assert [r[0] for r in rows["batched"]] == frame["address_id"].tolist()
