"""Stage 8, store, and the one DuckDB file that holds a project's state, keyed by run.

Every table but ``runs`` has a ``run_id`` column; a run appends its rows and never rewrites an
earlier run's, so months of history stay queryable (time series, "newly served since last
month"). ``runs`` records start, end, status, config hash, input checksums and code version.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import shapely

from layers.errors import RunError, StoreBusyError, StoreUnreadableError
from pipeline.config import Config, Target
from pipeline.ingest import Ingested

SCHEMA = (Path(__file__).with_name("store_schema.sql")).read_text(encoding="utf-8")
BATCH_ROWS = 122_880  # rows per Arrow batch handed to DuckDB: one DuckDB row group


def table_columns(connection: duckdb.DuckDBPyConnection, table: str) -> list[str]:
    """A table's columns, ``run_id`` left out (what a run's frame must provide)."""
    rows = connection.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()
    return [name for (name,) in rows if name != "run_id"]


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _columns(connection: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str]:
    rows = connection.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = 'main'"
    ).fetchall()
    return {(table, column): data_type for table, column, data_type in rows}


def migrate(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """Bring a store written by older code up to :data:`SCHEMA`; return what was added.

    New tables are created; columns that later versions added are added to existing tables
    (NULL in the rows of older runs), so a monthly refresh never fails on an older store.
    A column whose type changed is refused with a message naming it.
    """
    connection.execute(SCHEMA)
    expected_db = duckdb.connect(":memory:")
    try:
        expected_db.execute(SCHEMA)
        expected = _columns(expected_db)
    finally:
        expected_db.close()
    present = _columns(connection)
    added = []
    for (table, column), data_type in expected.items():
        if (table, column) not in present:
            connection.execute(f'ALTER TABLE {table} ADD COLUMN "{column}" {data_type}')
            added.append(f"{table}.{column}")
        elif present[(table, column)] != data_type:
            msg = (
                f"store: {table}.{column} has type {present[(table, column)]}, expected"
                f" {data_type}; this store was written by an incompatible gapmap version"
            )
            raise RunError(msg)
    return added


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the store at ``path``, or a one-line fault that says why not:
    :class:`StoreBusyError` while another gapmap process holds it, :class:`StoreUnreadableError`
    when the file is not a DuckDB database. DuckDB's own progress bar is off: gapmap shows its
    progress itself (:mod:`pipeline.progress`), and a log must get no control characters."""
    try:
        connection = duckdb.connect(str(path), read_only=read_only)
        connection.execute("SET enable_progress_bar = false")
        return connection
    except duckdb.Error as exc:
        detail = str(exc).splitlines()[0]
        if "lock" in detail.lower():
            msg = (
                f"{path}: the store is in use by another gapmap process ({detail}); try again"
                " when it has finished"
            )
            raise StoreBusyError(msg) from exc
        msg = (
            f"{path}: cannot be opened as a gapmap store ({detail}); move it aside to start a"
            " new history, or restore it from a backup"
        )
        raise StoreUnreadableError(msg) from exc


@contextmanager
def read_store(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The store opened read-only (``gapmap runs``, ``areas``, ``sensitivity``)."""
    if not path.exists():
        msg = f"{path}: no store yet; expected one written by `gapmap run --config ...`"
        raise RunError(msg)
    connection = connect(path, read_only=True)
    try:
        yield connection
    finally:
        connection.close()


@contextmanager
def open_store(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open (creating if needed) the store, migrated to the current schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = connect(path)
    try:
        migrate(connection)
        yield connection
    finally:
        connection.close()


def append(
    connection: duckdb.DuckDBPyConnection,
    table: str,
    run_id: str,
    frame: pd.DataFrame | pa.Table,
) -> int:
    """Append ``frame``'s columns (matched by name) to ``table`` under ``run_id``.

    The frame goes to DuckDB as an Arrow table (an Arrow table as it is): handing it pandas'
    Arrow-backed strings directly makes DuckDB convert every string to a Python object first
    (3× slower, +3 GB at 2.6 M rows). The table is handed over in batches of
    :data:`BATCH_ROWS` (slices, no copy): DuckDB then compresses and writes its row groups on
    every thread and still stores the rows in the frame's order; one batch of 1.8 M rows kept
    it on one thread while the other one spun (twice the CPU time, no faster).
    """
    staged = frame if isinstance(frame, pa.Table) else as_arrow(frame, list(frame.columns))
    staged = pa.Table.from_batches(staged.to_batches(max_chunksize=BATCH_ROWS), staged.schema)
    connection.register("_staged", staged)
    try:
        connection.execute(
            f"INSERT INTO {table} BY NAME SELECT *, $run_id AS run_id FROM _staged",
            {"run_id": run_id},
        )
    finally:
        connection.unregister("_staged")
    return int(staged.num_rows)


def as_arrow(frame: pd.DataFrame, columns: list[str]) -> pa.Table:
    """``frame``'s ``columns`` as an Arrow table, column by column (no copy of the frame first;
    Arrow-backed strings and numbers are handed over as they are)."""
    return pa.table(
        {str(c): pa.Array.from_pandas(frame[c]) for c in columns} if len(columns) else {}
    )


def recent_runs(connection: duckdb.DuckDBPyConnection, last: int) -> list[tuple[Any, ...]]:
    """The ``last`` runs, newest first: run id, status, start, duration, config hash, output
    folder and message."""
    return connection.execute(
        "SELECT run_id, status, started_at, finished_at - started_at, config_hash, output_dir,"
        " message FROM runs ORDER BY started_at DESC LIMIT ?",
        [last],
    ).fetchall()


def latest_succeeded_run(connection: duckdb.DuckDBPyConnection, store_path: Path) -> str:
    """The id of the latest succeeded run; :class:`RunError` when there is none."""
    row = connection.execute(
        "SELECT run_id FROM runs WHERE status = 'succeeded' ORDER BY started_at DESC LIMIT 1"
    ).fetchone()
    if row is None:
        msg = f"{store_path}: no succeeded run; expected one (run `gapmap run --config ...`)"
        raise RunError(msg)
    return str(row[0])


def begin_run(
    connection: duckdb.DuckDBPyConnection,
    run_id: str,
    config_hash: str,
    config_json: Mapping[str, object],
    input_checksums: Mapping[str, object],
    code_version: str,
) -> None:
    connection.execute(
        "INSERT INTO runs (run_id, started_at, status, config_hash, config_json, input_checksums,"
        " code_version) VALUES (?, ?, 'running', ?, ?, ?, ?)",
        [
            run_id,
            now_utc(),
            config_hash,
            json.dumps(config_json),
            json.dumps(input_checksums),
            code_version,
        ],
    )


def finish_run(
    connection: duckdb.DuckDBPyConnection,
    run_id: str,
    status: str,
    output_dir: str | None,
    message: str | None = None,
) -> None:
    connection.execute(
        "UPDATE runs SET finished_at = ?, status = ?, output_dir = ?, message = ? WHERE run_id = ?",
        [now_utc(), status, output_dir, message, run_id],
    )


def fail_run(connection: duckdb.DuckDBPyConnection, run_id: str, message: str) -> None:
    """Mark a run failed with ``message`` and delete the rows it wrote (the history keeps only
    what succeeded runs wrote)."""
    discard_run_rows(connection, run_id)
    finish_run(connection, run_id, "failed", None, message)


def abort_dead_runs(
    connection: duckdb.DuckDBPyConnection, published: Path | None, by_run: str
) -> list[str]:
    """Close the runs a killed process left ``running`` (the caller holds the store's lock, so
    none of them is alive): the one ``current`` points at (``published``) had published and is
    recorded succeeded; the others are marked ``aborted`` and their rows deleted.

    Returns the aborted run ids.
    """
    rows = connection.execute("SELECT run_id FROM runs WHERE status = 'running'").fetchall()
    aborted = []
    for (run_id,) in rows:
        if published is not None and published.name == run_id:
            note = f"recorded by run {by_run}: published before its process ended"
            finish_run(connection, run_id, "succeeded", str(published), note)
            continue
        discard_run_rows(connection, run_id)
        note = f"aborted: its process ended before the run finished (found by run {by_run})"
        finish_run(connection, run_id, "aborted", None, note)
        aborted.append(str(run_id))
    return aborted


def succeeded_runs(connection: duckdb.DuckDBPyConnection) -> list[str]:
    """The ids of the succeeded runs, newest first."""
    rows = connection.execute(
        "SELECT run_id FROM runs WHERE status = 'succeeded' ORDER BY started_at DESC"
    ).fetchall()
    return [str(run_id) for (run_id,) in rows]


def discard_run_rows(connection: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Delete a failed run's partial rows from every table but ``runs``."""
    tables = connection.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_name <> 'runs'"
    ).fetchall()
    for (table,) in tables:
        connection.execute(f"DELETE FROM {table} WHERE run_id = ?", [run_id])


def store_run(
    connection: duckdb.DuckDBPyConnection,
    run_id: str,
    config: Config,
    inputs: Ingested,
    results: pd.DataFrame,
    masts: pd.DataFrame,
) -> None:
    """The store stage: the run's inputs, per-address results, classes (long), targets,
    quarantine, layer counts and candidate masts, each appended under ``run_id``."""
    kommuner = inputs.kommuner
    addresses = inputs.addresses
    append(
        connection,
        "kommuner",
        run_id,
        pd.DataFrame(
            {
                "kommunenummer": kommuner["kommunenummer"],
                "kommunenavn": kommuner["kommunenavn"],
                "fylkesnummer": kommuner["fylkesnummer"],
                "area_km2": kommuner.geometry.area / 1e6,
                "geometry_wkb": shapely.to_wkb(kommuner.geometry.to_numpy()),
            }
        ),
    )
    append(connection, "fylker", run_id, inputs.fylker)
    geometry = addresses.geometry.name
    append(connection, "addresses", run_id, as_arrow(addresses, _but(addresses, geometry)))
    append(connection, "offers", run_id, as_arrow(inputs.offers, _but(inputs.offers, "row_number")))
    stored_results = table_columns(connection, "address_results")
    append(connection, "address_results", run_id, as_arrow(results, stored_results))
    append(connection, "address_classes", run_id, classes_long(results, config))
    append(
        connection,
        "targets",
        run_id,
        pd.DataFrame(
            {
                "target": [t.name for t in config.targets],
                "down_mbps": [t.down_mbps for t in config.targets],
                "up_mbps": [t.up_mbps for t in config.targets],
                "label_nb": [t.label_nb for t in config.targets],
            }
        ),
    )
    append(connection, "quarantine", run_id, inputs.quarantine)
    append(connection, "layer_counts", run_id, inputs.counts)
    append(connection, "new_sites", run_id, masts)


def _but(frame: pd.DataFrame, left_out: str) -> list[str]:
    return [str(c) for c in frame.columns if c != left_out]


def classes_long(results: pd.DataFrame, config: Config) -> pa.Table:
    """``address_classes`` rows: one per address and target (the targets one after another),
    with its class, wireless reach and reason for a gap (None where served, or where the
    results carry no reasons). Built as Arrow columns: each target's block is the results'
    own columns, the target's name dictionary-encoded (no Python object per row)."""
    names = pa.array([t.name for t in config.targets], pa.string())
    address_ids = pa.Array.from_pandas(results["address_id"]).cast(pa.int64())
    blocks = []
    for number, target in enumerate(config.targets):
        positions = pa.array(np.full(len(results), number, dtype="int32"))
        blocks.append(
            pa.table(
                {
                    "address_id": address_ids,
                    "target": pa.DictionaryArray.from_arrays(positions, names),
                    "class": text_array(results, f"class_{target.name}"),
                    "wireless_reachable": pa.array(
                        results[f"wireless_{target.name}"].to_numpy(dtype=bool)
                    ),
                    "reason": text_array(results, f"reason_{target.name}"),
                    "reason_evidence": text_array(results, f"reason_evidence_{target.name}"),
                }
            )
        )
    if not blocks:
        return pa.table({"address_id": pa.array([], pa.int64())})
    return pa.concat_tables(blocks)


def classes_wide(results: pd.DataFrame, targets: Sequence[Target], prefix: str) -> pa.Table:
    """``address_id`` and, per target ``i``, ``class_i``: ``results[prefix + name]`` as the
    store's long class tables hold it (:func:`classes_long`,
    :func:`pipeline.aggregate_copper.no_copper_long`), one row per address, for sums over
    the classes without reading them back from the store."""
    columns = {"address_id": pa.Array.from_pandas(results["address_id"]).cast(pa.int64())}
    for number, target in enumerate(targets):
        columns[f"class_{number}"] = text_array(results, f"{prefix}{target.name}")
    return pa.table(columns)


def text_array(results: pd.DataFrame, column: str) -> pa.Array:
    """``results[column]`` as an Arrow string array (missing values null; all null where the
    results have no such column)."""
    if column not in results.columns:
        return pa.nulls(len(results), pa.string())
    values = pa.Array.from_pandas(results[column])
    if pa.types.is_dictionary(values.type):
        values = values.dictionary_decode()
    return values.cast(pa.string())


def code_version() -> str:
    """``gapmap <version>`` plus the git commit when run from a checkout."""
    try:
        version = metadata.version("gapmap")
    except metadata.PackageNotFoundError:
        version = "unknown"
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=Path(__file__).parent,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"gapmap {version}" + (f" ({commit})" if commit else "")


def new_run_id(config_hash: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{stamp}-{config_hash[:8]}"
