"""The gap table's "copper switched off" columns: households below each target without xDSL.

Telenor closes its copper network (Nkom kept it open for wholesale customers until autumn
2025), so a household served only over copper is a gap that is about to open. Classify gives
each address ``class_no_copper_<target>``: its class over the counted offers without xDSL. Per
kommune, fylke and in total, for every target ``t``:

    below_target_households_no_copper_<t> = Σ households where class_no_copper_<t> ≠ served

beside the ordinary ``underserved_households_<t> + unserved_households_<t>``. With
``[classify].count_copper = false`` the two are equal. Summed in DuckDB with the same
``GROUPING SETS`` as the gap summary, so the fylke and total rows are sums of the kommune rows.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline.aggregate_sql import LEVEL, kommune_target_rollup
from pipeline.config import Target
from pipeline.store import append, classes_wide

COLUMN_PREFIX = "below_target_households_no_copper_"


NO_COPPER_SQL = f"""
WITH per_address AS (
    SELECT a.kommunenummer, a.households, n.target, n.class
    FROM addresses a
    JOIN address_classes_no_copper n ON n.run_id = a.run_id AND n.address_id = a.address_id
    WHERE a.run_id = $run_id
)
SELECT {LEVEL} AS level, k.fylkesnummer, k.kommunenummer, t.target,
       coalesce(sum(p.households) FILTER (WHERE p.class <> 'served'), 0) AS below
{kommune_target_rollup("per_address")}"""


def no_copper_from_results_sql(targets: int) -> str:
    """:data:`NO_COPPER_SQL` over the classes as they were just stored, one row per address
    (``_no_copper_classes``, :func:`pipeline.store.classes_wide`) instead of the 7.3 M long
    rows read back: per kommune and target first, then the same ``GROUPING SETS``. The sums are
    of whole households, so summing per kommune first gives the same totals."""
    per_kommune = " UNION ALL ".join(
        f"SELECT kommunenummer, $targets[{number + 1}] AS target,"
        f" sum(households) FILTER (WHERE class_{number} <> 'served') AS below"
        " FROM per_address GROUP BY kommunenummer"
        for number in range(targets)
    )
    return f"""
WITH per_address AS MATERIALIZED (
    SELECT a.kommunenummer, a.households, w.* EXCLUDE (address_id)
    FROM addresses a JOIN _no_copper_classes w ON w.address_id = a.address_id
    WHERE a.run_id = $run_id
),
per_kommune AS ({per_kommune})
SELECT {LEVEL} AS level, k.fylkesnummer, k.kommunenummer, t.target,
       coalesce(sum(p.below), 0) AS below
{kommune_target_rollup("per_kommune")}"""


def no_copper_sums(
    connection: duckdb.DuckDBPyConnection,
    run_id: str,
    results: pd.DataFrame,
    targets: Sequence[Target],
) -> pd.DataFrame:
    """The rows of :data:`NO_COPPER_SQL` for this run, summed from ``results`` (the classes
    just stored) when its address ids are unique; with duplicates (where the long rows would
    pair up in the join) from the stored rows themselves."""
    if not targets or not results["address_id"].is_unique:
        return connection.execute(NO_COPPER_SQL, {"run_id": run_id}).df()
    connection.register("_no_copper_classes", classes_wide(results, targets, "class_no_copper_"))
    try:
        return connection.execute(
            no_copper_from_results_sql(len(targets)),
            {"run_id": run_id, "targets": [t.name for t in targets]},
        ).df()
    finally:
        connection.unregister("_no_copper_classes")


def no_copper_long(results: pd.DataFrame, targets: Sequence[Target]) -> pa.Table:
    """``address_classes_no_copper`` rows: one per address and target, targets in turn, as
    Arrow blocks of the results' own columns (the target's name dictionary-encoded; no melt,
    no Python object per row)."""
    names = pa.array([t.name for t in targets], pa.string())
    address_ids = pa.Array.from_pandas(results["address_id"]).cast(pa.int64())
    blocks = []
    for number, target in enumerate(targets):
        classes = pa.Array.from_pandas(results[f"class_no_copper_{target.name}"])
        if pa.types.is_dictionary(classes.type):
            classes = classes.dictionary_decode()
        positions = pa.array(np.full(len(results), number, dtype="int32"))
        block = {
            "address_id": address_ids,
            "target": pa.DictionaryArray.from_arrays(positions, names),
            "class": classes.cast(pa.string()),
        }
        blocks.append(pa.table(block))
    return pa.concat_tables(blocks) if blocks else pa.table({"address_id": address_ids[:0]})


def store_no_copper_classes(
    connection: duckdb.DuckDBPyConnection,
    run_id: str,
    results: pd.DataFrame,
    targets: Sequence[Target],
) -> None:
    """Append this run's classes without copper to ``address_classes_no_copper`` (as Arrow:
    :func:`pipeline.store.append`)."""
    append(connection, "address_classes_no_copper", run_id, no_copper_long(results, targets))


def with_no_copper(
    gap_table: pd.DataFrame,
    connection: duckdb.DuckDBPyConnection,
    run_id: str,
    results: pd.DataFrame,
    targets: Sequence[Target],
) -> pd.DataFrame:
    """The gap table with ``below_target_households_no_copper_<target>`` for every target
    (stores the per-address classes first; the sums are the module docstring's)."""
    store_no_copper_classes(connection, run_id, results, targets)
    long = no_copper_sums(connection, run_id, results, targets)
    keys = ["level", "fylkesnummer", "kommunenummer"]
    wide = (
        long.assign(**{k: long[k].fillna("") for k in keys[1:]})
        .pivot(index=keys, columns="target", values="below")
        .reindex(columns=[t.name for t in targets])
        .add_prefix(COLUMN_PREFIX)
    )
    keyed = gap_table.assign(**{f"_{k}": gap_table[k].fillna("") for k in keys[1:]})
    joined = keyed.merge(
        wide.reset_index().rename(columns={k: f"_{k}" for k in keys[1:]}),
        on=["level", *[f"_{k}" for k in keys[1:]]],
        how="left",
    ).drop(columns=[f"_{k}" for k in keys[1:]])
    columns = [f"{COLUMN_PREFIX}{t.name}" for t in targets]
    joined[columns] = joined[columns].fillna(0).astype("int64")
    return joined
